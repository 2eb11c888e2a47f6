# SPDX-License-Identifier: MPL-2.0
"""Staff pages of the device registry: my devices, register or link this browser, revoke, approve."""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicloop.accounts.actions import is_invitation_issuer
from civicloop.accounts.models import Role, User
from civicloop.accounts.reauth import require_recent_auth
from civicloop.classification.policy import DeviceTrust
from civicloop.devices import actions
from civicloop.devices.compliance import Reason
from civicloop.devices.forms import LinkForm, ManagedDeviceForm, PersonalDeviceForm
from civicloop.devices.models import Device
from civicloop.devices.sessions import bind_session, set_device_cookie

# Linking a browser to a device raises what the session may read: ask for a fresh second factor.
LINK_MAX_AUTH_AGE_S = 15 * 60

TRUST_LABELS = {
    DeviceTrust.UNKNOWN: gettext_lazy("Not a registered device"),
    DeviceTrust.NONCOMPLIANT: gettext_lazy("Not compliant"),
    DeviceTrust.BYOD: gettext_lazy("Personal device, compliant"),
    DeviceTrust.MANAGED: gettext_lazy("Managed device, compliant"),
}
REASON_LABELS = {
    Reason.NEVER_CHECKED_IN: gettext_lazy("Its agent has not reported yet"),
    Reason.CHECK_IN_OVERDUE: gettext_lazy("Its agent has not reported recently"),
    Reason.PATCH_TOO_OLD: gettext_lazy("Security updates are too old"),
    Reason.DISK_NOT_ENCRYPTED: gettext_lazy("The disk is not encrypted"),
    Reason.NO_SCREEN_LOCK: gettext_lazy("No screen lock"),
    Reason.JAILBROKEN: gettext_lazy("Jailbroken or rooted"),
}
_REASON_CODES = {reason.value for reason in Reason}


def _staff(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_back_office:
        raise Http404
    return user


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 for anyone but staff, before anything else is asked of them (a re-authentication …)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _staff(request)
        return view(request, *args, **kwargs)

    return wrapper


def _trust_label(device: Device | None, trust: DeviceTrust) -> str:
    """What the status column says: an unapproved device says why it is not trusted."""
    if device is not None and not device.is_approved and not device.is_revoked:
        return str(device.get_approval_display())
    return str(TRUST_LABELS[trust])


def _row(device: Device) -> dict[str, Any]:
    trust = device.trust()
    return {
        "device": device,
        "trust": trust.value,
        "trust_label": _trust_label(device, trust),
        "reasons": [REASON_LABELS[Reason(r)] for r in device.current_reasons() if r in _REASON_CODES],
    }


@login_required(login_url="cases:staff-login")
def device_list(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    devices = Device.objects.active().owned_by(user)
    trust: DeviceTrust = getattr(request, "device_trust", DeviceTrust.UNKNOWN)
    this_device: Device | None = getattr(request, "device", None)
    return render(
        request,
        "devices/list.html",
        {
            "rows": [_row(d) for d in devices],
            "this_device": this_device,
            "this_trust": trust.value,
            "this_trust_label": _trust_label(this_device, trust),
            "personal_form": PersonalDeviceForm(),
            "link_form": LinkForm(),
            "is_administrator": user.has_role(Role.ADMINISTRATOR),
            "is_approver": actions.is_device_approver(user),
            "is_invitation_issuer": is_invitation_issuer(user),
        },
    )


def _token_page(request: HttpRequest, device: Device, token: str, *, linked: bool) -> HttpResponse:
    response = render(request, "devices/token.html", {"device": device, "token": token, "linked": linked})
    response["Cache-Control"] = "no-store"
    return response


@login_required(login_url="cases:staff-login")
@staff_only
@require_POST
@require_recent_auth(LINK_MAX_AUTH_AGE_S)
@never_cache
def device_register(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = PersonalDeviceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the device a name and choose its platform."))
        return redirect("devices:device-list")
    device, token = actions.register_device(
        owner=user,
        kind=Device.Kind.BYOD,
        name=form.cleaned_data["name"],
        platform=form.cleaned_data["platform"],
        registered_by=user,
    )
    bind_session(request, device)
    response = _token_page(request, device, token, linked=True)
    set_device_cookie(response, device)
    return response


@login_required(login_url="cases:staff-login")
@staff_only
@require_POST
@require_recent_auth(LINK_MAX_AUTH_AGE_S)
def device_link(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = LinkForm(request.POST)
    device = actions.device_for_token(form.cleaned_data["token"]) if form.is_valid() else None
    if device is None or device.owner_id != user.pk:
        messages.error(request, _("None of your devices has this token. Check it and try again."))
        return redirect("devices:device-list")
    bind_session(request, device)
    messages.success(request, _("This browser is now linked to %(name)s.") % {"name": device.name})
    response = redirect("devices:device-list")
    set_device_cookie(response, device)
    return response


@login_required(login_url="cases:staff-login")
@require_POST
def device_revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    device = Device.objects.active().filter(public_id=public_id).first()
    if device is None:
        raise Http404
    try:
        actions.revoke_device(device=device, by=user)
    except actions.NotAllowed as exc:
        raise Http404 from exc
    messages.success(request, _("%(name)s was removed. Its token no longer works.") % {"name": device.name})
    return redirect("devices:device-list")


@login_required(login_url="cases:staff-login")
@never_cache
def managed_register(request: HttpRequest) -> HttpResponse:
    """An administrator registers a municipality-managed device for a member of staff."""
    user = _staff(request)
    if not user.has_role(Role.ADMINISTRATOR):
        raise Http404
    form = ManagedDeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner = User.objects.filter(username=form.cleaned_data["owner"]).first()
        if owner is None or not owner.is_back_office:
            form.add_error("owner", _("There is no member of staff with this user name."))
        else:
            device, token = actions.register_device(
                owner=owner,
                kind=Device.Kind.MANAGED,
                name=form.cleaned_data["name"],
                platform=form.cleaned_data["platform"],
                registered_by=user,
            )
            return _token_page(request, device, token, linked=False)
    return render(request, "devices/managed_form.html", {"form": form}, status=400 if form.errors else 200)


def _approver(request: HttpRequest) -> User:
    user = _staff(request)
    if not actions.is_device_approver(user):
        raise Http404
    return user


@login_required(login_url="cases:staff-login")
@never_cache
def approval_list(request: HttpRequest) -> HttpResponse:
    """Devices awaiting approval, for administrators and the information-security officer (not their own)."""
    user = _approver(request)
    devices = Device.objects.awaiting_approval().exclude(owner=user).select_related("owner", "registered_by")
    return render(request, "devices/approvals.html", {"rows": [_row(d) for d in devices]})


def _record_decision(
    request: HttpRequest, public_id: uuid.UUID, decide: Callable[..., Device], done: str
) -> HttpResponse:
    user = _approver(request)
    device = Device.objects.active().select_related("owner").filter(public_id=public_id).first()
    if device is None:
        raise Http404
    try:
        decide(device=device, by=user)
    except actions.NotAllowed as exc:
        raise Http404 from exc
    except actions.AlreadyRejected:
        messages.error(
            request, _("%(name)s was rejected earlier. Its owner registers it again.") % {"name": device.name}
        )
        return redirect("devices:approval-list")
    messages.success(request, done % {"name": device.name, "owner": device.owner.display_name})
    return redirect("devices:approval-list")


@login_required(login_url="cases:staff-login")
@staff_only
@require_POST
@require_recent_auth(LINK_MAX_AUTH_AGE_S)
def device_approve(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _record_decision(request, public_id, actions.approve_device, _("%(name)s of %(owner)s is approved."))


@login_required(login_url="cases:staff-login")
@staff_only
@require_POST
@require_recent_auth(LINK_MAX_AUTH_AGE_S)
def device_reject(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _record_decision(request, public_id, actions.reject_device, _("%(name)s of %(owner)s is rejected."))
