# SPDX-License-Identifier: MPL-2.0
"""Meeting pages: the list, a meeting (agenda, attendees, materials, minutes), a material on screen.

Reads go through `access.get_meeting_for_user` / `get_material_for_user` or `visible_to`; every
write through an action, which checks the policy again.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.authoring.models import Document
from civicloop.classification.policy import Action, NotPermitted, context_from_request
from civicloop.meetings import actions, errors
from civicloop.meetings.access import get_material_for_user, get_meeting_for_user, may
from civicloop.meetings.forms import AgendaItemForm, AttendeeForm, MaterialForm, MeetingForm
from civicloop.meetings.models import Meeting

LOGIN = "cases:staff-login"

REFUSALS = {
    errors.AttendeeNotCleared: gettext_lazy("This person is not cleared for the meeting's classification."),
    errors.AlreadyAttending: gettext_lazy("This person is already on the list."),
    errors.MaterialTooSensitive: gettext_lazy("TOP SECRET material is never shared with a meeting."),
    errors.AlreadyShared: gettext_lazy("This document is already a material of the meeting."),
    errors.DocumentNotVisible: gettext_lazy("You cannot open this document from this device."),
}


@login_required(login_url=LOGIN)
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings this person may see, and a form to call one for one of their departments."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    form = MeetingForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = actions.schedule_meeting(**form.cleaned_data, created_by=user, context=context)
        except NotPermitted:
            form.add_error(None, _("You cannot call a meeting at this classification from this device."))
        else:
            return redirect("meetings:meeting-detail", meeting.public_id)
    meetings = Meeting.objects.visible_to(user, context).select_related("department", "minutes")
    return render(request, "meetings/meeting_list.html", {"meetings": meetings[:100], "form": form})


@login_required(login_url=LOGIN)
def meeting_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    meeting = get_meeting_for_user(user, public_id, action=Action.VIEW, context=context)
    may_work = may(user, Action.WORK, meeting, context)
    materials = [
        m
        for m in meeting.materials.select_related("document", "agenda_item")
        if may(user, Action.VIEW, meeting, context, m)
    ]
    forms: dict[str, Any] = {}
    if may_work:
        documents = Document.objects.visible_to(user, context)
        forms = {
            "agenda_form": AgendaItemForm(),
            "attendee_form": AttendeeForm(),
            "material_form": MaterialForm(meeting=meeting, documents=documents),
        }
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": meeting.agenda.all(),
            "attendees": meeting.attendees.select_related("user", "department"),
            "materials": materials,
            "may_work": may_work,
            **forms,
        },
    )


def _write(
    request: HttpRequest,
    public_id: str,
    form_class: Callable[..., Any],
    write: Callable[..., object],
    **form_kwargs: Any,
) -> HttpResponse:
    """Check the form, call the action with its data, and go back to the meeting with a message."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    meeting = get_meeting_for_user(user, public_id, action=Action.VIEW, context=context)
    form = form_class(request.POST, **{k: v(user, meeting, context) for k, v in form_kwargs.items()})
    if not form.is_valid():
        flash.error(
            request, _("Check the form: %(errors)s") % {"errors": " ".join(str(e) for e in form.errors.values())}
        )
        return redirect("meetings:meeting-detail", meeting.public_id)
    try:
        write(meeting=meeting, user=user, context=context, **form.cleaned_data)
        flash.success(request, _("Saved."))
    except tuple(REFUSALS) as refused:
        flash.error(request, str(REFUSALS[type(refused)]))
    except NotPermitted:
        raise Http404 from None
    return redirect("meetings:meeting-detail", meeting.public_id)


@require_POST
@login_required(login_url=LOGIN)
def agenda_add(request: HttpRequest, public_id: str) -> HttpResponse:
    return _write(
        request,
        public_id,
        AgendaItemForm,
        lambda meeting, user, context, **data: actions.add_agenda_item(
            meeting=meeting, added_by=user, context=context, **data
        ),
    )


@require_POST
@login_required(login_url=LOGIN)
def attendee_add(request: HttpRequest, public_id: str) -> HttpResponse:
    return _write(
        request,
        public_id,
        AttendeeForm,
        lambda meeting, user, context, person: actions.add_attendee(
            meeting=meeting, person=person, added_by=user, context=context
        ),
    )


@require_POST
@login_required(login_url=LOGIN)
def material_share(request: HttpRequest, public_id: str) -> HttpResponse:
    return _write(
        request,
        public_id,
        MaterialForm,
        lambda meeting, user, context, **data: actions.share_material(
            meeting=meeting, shared_by=user, context=context, **data
        ),
        meeting=lambda user, meeting, context: meeting,
        documents=lambda user, meeting, context: Document.objects.visible_to(user, context),
    )


@require_POST
@login_required(login_url=LOGIN)
def minutes_start(request: HttpRequest, public_id: str) -> HttpResponse:
    """Start the minutes (once) and open them in the co-editor."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    meeting = get_meeting_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        document = actions.start_minutes(meeting=meeting, drafter=user, context=context)
    except NotPermitted:
        raise Http404 from None
    return redirect("authoring:document-detail", document.public_id)


@login_required(login_url=LOGIN)
def material_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """The material on screen (its current text); each opening is recorded with its page count."""
    user: User = staff_member_or_404(request)
    context = context_from_request(request)
    material = get_material_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        reading = actions.view_material(material=material, viewer=user, context=context)
    except NotPermitted:
        raise Http404 from None
    return render(request, "meetings/material.html", {"material": material, "reading": reading})
