# SPDX-License-Identifier: MPL-2.0
"""Staff pages: ask for a label change, the security officer's queue, need-to-know, the report.

Each page answers 404 to anyone it is not for (never 403), like every read path.
"""

import uuid
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.accounts.models import POSITION_RANK, Position, Role, User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.classification import actions, family, mynumber
from civicloop.classification.forms import ChangeRequestForm, DecisionForm, GrantForm, MyNumberForm, RevokeForm
from civicloop.classification.models import ClassificationRequest
from civicloop.classification.policy import TIERS, Action, context_from_request, get_allowed, is_security_officer, rank
from civicloop.classification.report import REFERENCE, build_report

STAFF_LOGIN = "cases:staff-login"
REPORT_ROLES = (Role.SECURITY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _visible_object(request: HttpRequest, user: User, object_type: str, public_id: uuid.UUID) -> Any:
    """The object, if it is addressable and the policy lets `user` view it; else 404."""
    model = family.addressable_models().get(object_type)
    if model is None:
        raise Http404
    return get_allowed(
        model._default_manager.all(), user, Action.VIEW, context_from_request(request), public_id=public_id
    )


def _grantable_object(user: User, object_type: str, public_id: uuid.UUID) -> Any:
    """The object, if `user` may name people for it (security officer or owner); else 404."""
    try:
        obj = family.load_addressable(object_type, public_id)
    except LookupError:
        raise Http404 from None
    if not actions.may_grant(user, obj):
        raise Http404
    return obj


_ERRORS: dict[type[actions.ClassificationError], Any] = {
    actions.NoChange: gettext_lazy("The object already has this classification. Nothing was changed."),
    actions.JustificationRequired: gettext_lazy("Write a justification of at least 8 characters."),
    actions.NotAllowed: gettext_lazy("You cannot take this step. Nothing was changed."),
    actions.RequestClosed: gettext_lazy("This request was already decided. Nothing was changed."),
    actions.StaleRequest: gettext_lazy("The classification changed since the request was made. Ask again."),
    actions.InvalidTier: gettext_lazy("Choose a classification from the list."),
}


def _error_message(exc: actions.ClassificationError) -> str:
    for kind, text in _ERRORS.items():
        if isinstance(exc, kind):
            return str(text)
    return str(exc)


@login_required(login_url=STAFF_LOGIN)
@require_POST
def request_create(request: HttpRequest, object_type: str, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    obj = _visible_object(request, user, object_type, public_id)
    form = ChangeRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new classification and write a justification."))
    else:
        try:
            change = actions.request_classification_change(
                obj=obj,
                requested_by=user,
                to_tier=form.cleaned_data["to_tier"],
                justification=form.cleaned_data["justification"],
                provisional=form.cleaned_data["provisional"],
                context=context_from_request(request),
            )
        except actions.ClassificationError as exc:
            messages.error(request, _error_message(exc))
        else:
            messages.success(request, _status_message(change))
    return redirect(_back(request, reverse("classification:request-list")))


def _status_message(change: ClassificationRequest) -> str:
    if change.status == ClassificationRequest.Status.APPROVED:
        return _("The classification was changed.")
    if change.status == ClassificationRequest.Status.PROVISIONAL:
        return _("The classification was raised provisionally; the security officer will review it.")
    return _("Your request was sent for approval.")


def _raise_q(raising: bool) -> Q:
    q = Q(pk__in=[])
    for old in TIERS:
        for new in TIERS:
            if (rank(new) > rank(old)) == raising and old != new:
                q |= Q(from_tier=old, to_tier=new)
    return q


def _queue_for(user: User) -> Q:
    """Requests this person decides: raises for the security officer, lowerings for owners."""
    q = Q(pk__in=[])
    if is_security_officer(user):
        q |= _raise_q(True)
    if POSITION_RANK.get(user.position, 0) >= POSITION_RANK[Position.KACHO]:
        q |= _raise_q(False) & Q(department_code__in=list(user.departments.values_list("code", flat=True)))
    return q


@login_required(login_url=STAFF_LOGIN)
def request_list(request: HttpRequest) -> HttpResponse:
    user = staff_member_or_404(request)
    base = ClassificationRequest.objects.select_related("content_type", "requested_by", "decided_by")
    queue = base.filter(_queue_for(user), status__in=["requested", "provisional"]).order_by("requested_at")
    mine = base.filter(requested_by=user).order_by("-requested_at")[:50]
    decided = base.filter(_queue_for(user)).exclude(status__in=["requested", "provisional"])[:50]
    return render(request, "classification/request_list.html", {"queue": queue, "mine": mine, "decided": decided})


def _request_for(user: User, public_id: uuid.UUID) -> ClassificationRequest:
    """The request, for its requester and for whoever decides it; else 404."""
    change = (
        ClassificationRequest.objects.select_related("content_type", "requested_by", "decided_by")
        .filter(Q(requested_by=user) | _queue_for(user), public_id=public_id)
        .first()
    )
    if change is None:
        raise Http404
    return change


@login_required(login_url=STAFF_LOGIN)
def request_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    change = _request_for(user, public_id)
    may_decide = change.is_open and ClassificationRequest.objects.filter(_queue_for(user), pk=change.pk).exists()
    return render(
        request,
        "classification/request_detail.html",
        {"change": change, "history": change.history.select_related("actor"), "may_decide": may_decide},
    )


@login_required(login_url=STAFF_LOGIN)
@require_POST
def request_decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    change = _request_for(user, public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("classification:request-detail", public_id)
    decide = (
        actions.approve_classification_request
        if form.cleaned_data["outcome"] == "approve"
        else actions.reject_classification_request
    )
    try:
        decide(request=change, decided_by=user, note=form.cleaned_data["note"])
    except actions.JustificationRequired:
        messages.error(request, _("Write the reason for rejecting."))
    except actions.ClassificationError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("The decision was recorded."))
    return redirect("classification:request-detail", public_id)


@login_required(login_url=STAFF_LOGIN)
@require_POST
def grant_create(request: HttpRequest, object_type: str, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    obj = _grantable_object(user, object_type, public_id)
    form = GrantForm(request.POST)
    grantee = User.objects.filter(username=request.POST.get("username", ""), kind=User.Kind.STAFF).first()
    if not form.is_valid() or grantee is None:
        messages.error(request, _("Name a member of staff, a reason and a date up to one year ahead."))
        return redirect(_back(request, reverse("classification:request-list")))
    until = timezone.make_aware(datetime.combine(form.cleaned_data["expires_on"], time.max))
    try:
        actions.grant_need_to_know(
            obj=obj, user=grantee, granted_by=user, reason=form.cleaned_data["reason"], expires_at=until
        )
    except actions.GrantInvalid as exc:
        messages.error(request, _("The grant was refused: %(reason)s") % {"reason": exc})
    except actions.ClassificationError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("%(name)s may now see this.") % {"name": grantee.display_name})
    return redirect(_back(request, reverse("classification:request-list")))


@login_required(login_url=STAFF_LOGIN)
@require_POST
def grant_revoke(request: HttpRequest, object_type: str, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    obj = _grantable_object(user, object_type, public_id)
    form = RevokeForm(request.POST)
    grantee = User.objects.filter(username=form.data.get("username", "")).first()
    if grantee is not None:
        actions.revoke_need_to_know(obj=obj, user=grantee, revoked_by=user)
        messages.success(request, _("The grant was revoked."))
    return redirect(_back(request, reverse("classification:request-list")))


@login_required(login_url=STAFF_LOGIN)
@require_POST
def my_number(request: HttpRequest, object_type: str, public_id: uuid.UUID) -> HttpResponse:
    """Show a 個人番号 once, after the reader states why; the read is audited."""
    user = staff_member_or_404(request)
    obj = _visible_object(request, user, object_type, public_id)
    form = MyNumberForm(request.POST)
    if not form.is_valid() or not hasattr(obj, mynumber.FIELD):
        messages.error(request, _("State the purpose of reading the My Number."))
        return redirect(_back(request, reverse("classification:request-list")))
    try:
        value = mynumber.read_my_number(
            obj, user=user, purpose=form.cleaned_data["purpose"], context=context_from_request(request)
        )
    except mynumber.MyNumberDenied:
        raise Http404 from None
    response = render(
        request,
        "classification/my_number.html",
        {"value": value, "back": _back(request, reverse("classification:request-list"))},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required(login_url=STAFF_LOGIN)
def report(request: HttpRequest) -> HttpResponse:
    user = staff_member_or_404(request)
    if not any(user.has_role(role) for role in REPORT_ROLES):
        raise Http404
    data = build_report()
    return render(request, "classification/report.html", {"report": data, "reference": REFERENCE})
