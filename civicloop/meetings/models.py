# SPDX-License-Identifier: MPL-2.0
"""Paperless meetings: who meets where, the agenda, materials shown on screen, and signed-off minutes.

A meeting belongs to the department that calls it (its members work it). People from other
departments attend: each `Attendee` names the person and the department they attend for, and the
policy is asked about the meeting as that department's (`AttendingView`), so clearance, device and
handling rules apply unchanged to the person, and only to the person. Materials are authoring
documents, never printed: each opening on screen is a `MaterialView` with the pages it would have
printed. The minutes are an authoring document of kind minutes, reviewed and signed off there.
"""

import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.authoring.models import Document
from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.models import classification_field

# An A4 page of a Japanese official document set 40 characters × 30 lines (the usual 公用文 layout).
CHARACTERS_PER_PAGE = 40 * 30


def estimated_pages(text: str) -> int:
    """The A4 pages `text` would print on (at least one)."""
    return max(1, math.ceil(len(text.strip()) / CHARACTERS_PER_PAGE))


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW) -> "MeetingQuerySet":
        """The calling department's meetings, and (to view) those the person attends."""
        if not (isinstance(user, User) and user.is_authenticated and user.is_staff_member):
            return self.none()

        def policy(path: str) -> models.Q:
            return visible_q(
                user,
                owner_field="created_by",
                guest_field="title",
                department_id_field=path,
                context=context,
                action=action,
            )

        q = policy("department_id")
        if action is Action.VIEW:  # attending lets a person read, never work
            q |= policy("attendees__department_id") & models.Q(attendees__user=user)
        return self.filter(pk__in=self.model.objects.filter(q).values("pk"))


class Meeting(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("Meeting title"), max_length=200)
    starts_at = models.DateTimeField(_("Date and time"))
    place = models.CharField(_("Place"), max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="meetings")
    classification = classification_field()
    # Made by a member of the calling department (`actions.start_minutes`); signed off in authoring.
    minutes = models.OneToOneField(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_minuted"
    )
    minutes_signed_off_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "pk"]

    def __str__(self) -> str:
        return self.title

    staff_editable = True
    owner_id = None
    guest_key = ""

    @property
    def department_code(self) -> str:
        return self.department.code


class Attendee(models.Model):
    """A person invited to a meeting, attending for one of their departments."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_attended")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    classification = classification_field()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meetings_attendee_once")]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.user}"


class AgendaItem(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField()
    title = models.CharField(_("Agenda item"), max_length=200)
    presenter = models.CharField(_("Presenter"), max_length=100, blank=True)
    duration_minutes = models.PositiveIntegerField(_("Minutes allotted"), null=True, blank=True)
    classification = classification_field()

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="meetings_agenda_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Material(models.Model):
    """An authoring document shared with a meeting, shown on screen instead of printed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="materials"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="meeting_materials")
    # Blank: estimated from the text at each viewing (`estimated_pages`); set when the printed
    # layout is known (tables, figures) and differs from the estimate.
    page_count = models.PositiveIntegerField(_("Printed pages"), null=True, blank=True)
    classification = classification_field()
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "shared_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "document"], name="meetings_material_once")]

    def __str__(self) -> str:
        return str(self.document)

    # The policy sees a material as part of its meeting: the calling department owns it here.
    staff_editable = False
    owner_id = None
    guest_key = ""

    @property
    def department_code(self) -> str:
        return self.meeting.department.code


class MaterialView(models.Model):
    """One opening of a material on screen, with the pages it would have printed then."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)
    page_count = models.PositiveIntegerField()
    # The viewer's first opening of this material: the printed copy a paper meeting hands each reader.
    is_first = models.BooleanField(default=False)
    classification = classification_field()

    class Meta:
        ordering = ["viewed_at", "pk"]
        indexes = [models.Index(fields=["viewed_at"], name="meetings_view_time_idx")]


@dataclass
class AttendingView:
    """A meeting or material as the policy sees it from the department an attendee attends for.

    Same tier and public id; that department stands as owner, and nobody edits it from here.
    """

    classification: str
    public_id: uuid.UUID
    department_code: str
    owner_id: int | None = None
    guest_key: str = ""
    staff_editable: bool = False
