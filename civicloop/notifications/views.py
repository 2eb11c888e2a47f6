# SPDX-License-Identifier: MPL-2.0
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.classification.policy import Action, context_from_request, record_listed
from civicloop.notifications import actions
from civicloop.notifications.access import get_notice_for_user
from civicloop.notifications.forms import PreferencesForm
from civicloop.notifications.models import ChannelPreference, Message


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    context = context_from_request(request)
    notices = Message.objects.inbox_of(request.user, context).defer("body")
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # The inbox shows titles: audited as opening each notice would be (SECRET and above).
    record_listed(request.user, Action.VIEW, page.object_list, context)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
def notice_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    notice = get_notice_for_user(request.user, public_id, context=context_from_request(request))
    if notice.read_at is None:
        # Reading is not a change anyone else needs to hear about: no event, just the mark.
        notice.read_at = timezone.now()
        Message.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return render(request, "notifications/notice_detail.html", {"notice": notice})


def _initial(user: Any) -> dict[str, Any]:
    pref = ChannelPreference.objects.filter(user=user).first()
    if pref is None:
        return {"language": "ja", "email_enabled": bool(user.email)}
    fields = ("language", "email_enabled", "sms_enabled", "phone", "line_enabled", "line_user_id")
    return {name: getattr(pref, name) for name in fields}


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = PreferencesForm(request.POST or None, initial=_initial(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.update_preferences(
            user=user,
            choice=actions.PreferenceChoice(
                language=data["language"],
                email_enabled=data["email_enabled"] and bool(user.email),
                sms_enabled=data["sms_enabled"],
                phone=data["phone"],
                line_enabled=data["line_enabled"],
                line_user_id=data["line_user_id"],
            ),
        )
        messages.success(request, _("Your choices are saved. New notices will follow them."))
        return redirect("notifications:preference-edit")
    context = {
        "form": form,
        "email": user.email,
        "channel_fields": [(form["sms_enabled"], form["phone"]), (form["line_enabled"], form["line_user_id"])],
        "errors": form.errors,
        "error_links": [
            (form[name].id_for_label, error)
            for name, errs in form.errors.items()
            if name in form.fields
            for error in errs
        ],
    }
    return render(request, "notifications/preferences.html", context)
