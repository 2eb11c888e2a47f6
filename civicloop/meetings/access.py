# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view or the admin opens a meeting or one of its materials.

Both load by public id and ask `classification.policy.decide` once: about the object itself for
the calling department (and oversight roles and need-to-know grants), or about `AttendingView` —
same tier and id, the attendee's department as owner — for a person invited from elsewhere.
Missing and refused are the same 404.
"""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.accounts.models import User
from civicloop.classification.policy import Action, Context, Protected, decide
from civicloop.meetings.models import Attendee, AttendingView, Material, Meeting


def as_seen_by(user: Any, meeting: Meeting, obj: Meeting | Material) -> Protected:
    """`obj` itself, or its attending view for an invited person outside the calling department."""
    if not (isinstance(user, User) and user.is_authenticated and user.is_staff_member):
        return obj
    if user.departments.filter(pk=meeting.department_id).exists():
        return obj
    attending = Attendee.objects.filter(meeting=meeting, user=user).select_related("department").first()
    if attending is not None and user.departments.filter(pk=attending.department_id).exists():
        return AttendingView(obj.classification, obj.public_id, attending.department.code)
    return obj


def may(user: Any, action: Action, meeting: Meeting, context: Context, obj: Meeting | Material | None = None) -> bool:
    """`decide` on the meeting (or its material) as this person sees it; attending never lets one work."""
    seen = as_seen_by(user, meeting, obj or meeting)
    if isinstance(seen, AttendingView) and action is not Action.VIEW:
        return False
    return decide(user, action, seen, context).allowed


def get_meeting_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Meeting:
    """The meeting with this public id if `user` may `action` it from this device; else 404."""
    try:
        meeting = Meeting.objects.select_related("department", "minutes").filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if meeting is None or not may(user, action, meeting, context):
        raise Http404
    return meeting


def get_material_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Material:
    """The material if `user` may `action` its meeting and the material itself (its own tier); else 404."""
    try:
        material = (
            Material.objects.select_related("meeting__department", "document").filter(public_id=public_id).first()
        )
    except ValidationError as exc:
        raise Http404 from exc
    if material is None:
        raise Http404
    meeting = material.meeting
    if not (may(user, action, meeting, context) and may(user, action, meeting, context, material)):
        raise Http404
    return material
