# SPDX-License-Identifier: MPL-2.0
"""Every write of a meeting: scheduling, attendees, the agenda, materials, their viewings, the minutes.

The calling department works a meeting: each write checks WORK on it (its members, cleared and
on a device that may hold its tier). Viewing a material asks VIEW, which an attendee has. The
minutes are drafted, reviewed and signed off through authoring's actions, which check WORK on the
document (owned by the calling department). Row locks: the Meeting, then (inside authoring) the
Document.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions as authoring
from civicloop.authoring import ydoc
from civicloop.authoring.models import Document
from civicloop.classification.policy import (
    Action,
    Context,
    NotPermitted,
    actor_label,
    authorise,
    decide,
    rank,
    records_refusals,
)
from civicloop.core import audit, events
from civicloop.core.models import Classification
from civicloop.meetings.access import may
from civicloop.meetings.errors import (
    AlreadyAttending,
    AlreadyShared,
    AttendeeNotCleared,
    DocumentNotVisible,
    MaterialTooSensitive,
)
from civicloop.meetings.models import AgendaItem, Attendee, Material, MaterialView, Meeting, estimated_pages


def _record(actor: User, action: str, meeting: Meeting, classification: str, **data: object) -> None:
    # `department` in every event: the staff dashboard's counts are scoped by it (analytics.scope).
    facts = {"meeting": str(meeting.public_id), "department": meeting.department.code}
    facts |= {key: str(value) for key, value in data.items()}
    audit.record(
        actor=actor_label(actor),
        action=f"meetings.{action}",
        object_type="meetings.meeting",
        object_id=str(meeting.public_id),
        data=facts,
        classification=classification,
    )
    events.record(
        f"meetings.{action}", subject=f"meeting/{meeting.public_id}", data=facts, classification=classification
    )


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("department").get(pk=meeting.pk)


@records_refusals
def schedule_meeting(
    *,
    title: str,
    starts_at: datetime,
    place: str,
    department: Department,
    created_by: User,
    context: Context,
    classification: str = Classification.OFFICIAL,
) -> Meeting:
    """A new meeting called by `department`; only its members may call one."""
    meeting = Meeting(
        title=title.strip(),
        starts_at=starts_at,
        place=place.strip(),
        department=department,
        classification=classification,
        created_by=created_by,
    )
    with transaction.atomic():
        authorise(created_by, Action.WORK, meeting, context)
        meeting.save()
        _record(created_by, "scheduled", meeting, classification, starts_at=starts_at.isoformat())
    return meeting


@records_refusals
def add_attendee(*, meeting: Meeting, person: User, added_by: User, context: Context) -> Attendee:
    """Invite `person`, who attends for the calling department if a member, else for their own first."""
    with transaction.atomic():
        locked = _locked(meeting)
        authorise(added_by, Action.WORK, locked, context)
        if not (person.is_active and person.is_staff_member) or rank(person.clearance) < rank(locked.classification):
            raise AttendeeNotCleared
        if locked.attendees.filter(user=person).exists():
            raise AlreadyAttending
        departments = person.departments.order_by("code")
        department = departments.filter(pk=locked.department_id).first() or departments.first()
        if department is None:
            raise AttendeeNotCleared
        attendee = Attendee.objects.create(
            meeting=locked, user=person, department=department, classification=locked.classification, added_by=added_by
        )
        _record(added_by, "attendee_added", locked, locked.classification, attendee=person.public_id)
    return attendee


@records_refusals
def add_agenda_item(
    *,
    meeting: Meeting,
    title: str,
    added_by: User,
    context: Context,
    presenter: str = "",
    duration_minutes: int | None = None,
) -> AgendaItem:
    """The next item of the agenda, numbered in order."""
    with transaction.atomic():
        locked = _locked(meeting)
        authorise(added_by, Action.WORK, locked, context)
        position = (locked.agenda.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        item = AgendaItem.objects.create(
            meeting=locked,
            position=position,
            title=title.strip(),
            presenter=presenter.strip(),
            duration_minutes=duration_minutes,
            classification=locked.classification,
        )
        _record(added_by, "agenda_item_added", locked, locked.classification, position=position)
    return item


@records_refusals
def share_material(
    *,
    meeting: Meeting,
    document: Document,
    shared_by: User,
    context: Context,
    agenda_item: AgendaItem | None = None,
    page_count: int | None = None,
) -> Material:
    """Share a document the sharer may open with the meeting, to be read on screen (never TOP SECRET)."""
    with transaction.atomic():
        locked = _locked(meeting)
        authorise(shared_by, Action.WORK, locked, context)
        if document.classification == Classification.TOP_SECRET:
            raise MaterialTooSensitive
        if not decide(shared_by, Action.VIEW, document, context).allowed:
            raise DocumentNotVisible
        if locked.materials.filter(document=document).exists():
            raise AlreadyShared
        if agenda_item is not None and agenda_item.meeting_id != locked.pk:
            agenda_item = None
        material = Material.objects.create(
            meeting=locked,
            agenda_item=agenda_item,
            document=document,
            page_count=page_count,
            classification=document.classification,
            shared_by=shared_by,
        )
        _record(shared_by, "material_shared", locked, material.classification, material=material.public_id)
    return material


@dataclass(frozen=True)
class Reading:
    """What `view_material` shows: the document's current text as HTML, and the recorded view."""

    html: SafeString
    view: MaterialView


@records_refusals
def view_material(*, material: Material, viewer: User, context: Context) -> Reading:
    """Show the material on screen and record the viewing with the pages it would have printed."""
    meeting = material.meeting
    if not (may(viewer, Action.VIEW, meeting, context) and may(viewer, Action.VIEW, meeting, context, material)):
        raise NotPermitted("not a reader of this meeting's material")
    with transaction.atomic():
        doc = ydoc.load(*authoring.stored_updates(material.document))
        pages = material.page_count or estimated_pages(ydoc.to_text(doc))
        first = not MaterialView.objects.filter(material=material, viewer=viewer).exists()
        view = MaterialView.objects.create(
            material=material, viewer=viewer, page_count=pages, is_first=first, classification=material.classification
        )
        _record(
            viewer,
            "material_viewed",
            meeting,
            material.classification,
            material=material.public_id,
            pages=pages,
            first=first,
        )
    # ydoc.to_html escapes every text node and writes only its own fixed set of elements.
    return Reading(html=mark_safe(ydoc.to_html(doc)), view=view)  # noqa: S308


@records_refusals
def start_minutes(*, meeting: Meeting, drafter: User, context: Context) -> Document:
    """The meeting's minutes, an authoring document of the calling department (made once)."""
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.minutes_id:
            return locked.minutes  # type: ignore[return-value]
        document = authoring.create_document(
            title=f"{locked.title} 議事録"[:200],
            kind=Document.Kind.MINUTES,
            classification=locked.classification,
            department=locked.department,
            created_by=drafter,
            context=context,
        )
        locked.minutes = document
        locked.save(update_fields=["minutes"])
        _record(drafter, "minutes_started", locked, locked.classification, document=document.public_id)
    return document


def record_minutes_signed_off(*, document: Document) -> Meeting | None:
    """Note on the meeting that its minutes were signed off (called inside authoring's sign-off)."""
    meeting = Meeting.objects.select_related("department").filter(minutes=document).first()
    if meeting is None:
        return None
    version = document.versions.filter(signed_off_at__isnull=False).order_by("-number").first()
    if version is None or version.signed_off_by is None:
        return None
    meeting.minutes_signed_off_at = version.signed_off_at
    meeting.save(update_fields=["minutes_signed_off_at"])
    _record(version.signed_off_by, "minutes_signed_off", meeting, document.classification, version=version.number)
    return meeting
