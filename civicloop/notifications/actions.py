# SPDX-License-Identifier: MPL-2.0
"""Writes of the notifications app: queueing notices (the outbox), preferences, re-queueing.

`notify` is what other apps call. It only writes rows, in the caller's transaction; the worker
(`worker.run_once`) delivers them after commit, so a slow mail server never slows a submission
and a rolled-back change never sends a notice.
"""

import functools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language

from civicloop.accounts.models import Role, User
from civicloop.classification.policy import NO_CONTEXT, Action, Context, NotPermitted, authorise, records_refusals
from civicloop.core import audit, events
from civicloop.core.models import Classification
from civicloop.notifications.models import Channel, ChannelPreference, Message
from civicloop.notifications.rendering import (
    TEMPLATE_CODES,
    Rendered,
    UnknownTemplate,
    is_classified,
    language_of,
    render,
    render_footer,
    render_for_outside,
)


class InvalidRecipient(ValueError):
    """notify() got neither a user nor a valid email address."""


class PreferencesInvalid(ValueError):
    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Route:
    channel: str
    address: str


def routes_for(user: User) -> list[Route]:
    """Where a notice to `user` goes: always the portal inbox, then the channels they chose.

    Without a preference row: email, if the account has an address (the default the resident
    can change at /notifications/preferences/).
    """
    return _routes(user, ChannelPreference.objects.filter(user=user).first())


def _routes(user: User, pref: ChannelPreference | None) -> list[Route]:
    routes = [Route(Channel.PORTAL, "")]
    if (pref is None or pref.email_enabled) and user.email:
        routes.append(Route(Channel.EMAIL, user.email))
    if pref is not None:
        if pref.sms_enabled and pref.phone:
            routes.append(Route(Channel.SMS, pref.phone))
        if pref.line_enabled and pref.line_user_id:
            routes.append(Route(Channel.LINE, pref.line_user_id))
        if pref.webhook_url and pref.webhook_secret:
            routes.append(Route(Channel.WEBHOOK, pref.webhook_url))
    return routes


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


_NO_NOTICE = uuid.UUID(int=0)


def _inbox_links(notice_id: uuid.UUID) -> dict[str, str]:
    """A signed-in recipient's links: the notice, the inbox and the preferences page."""
    detail, inbox, preferences = _inbox_urls(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), settings.SITE_URL
    )
    return {
        "notice_url": detail.replace(str(_NO_NOTICE), str(notice_id)),
        "inbox_url": inbox,
        "preferences_url": preferences,
    }


@functools.lru_cache(maxsize=8)
def _inbox_urls(urlconf: str, prefix: str, site_url: str) -> tuple[str, str, str]:
    """The three URLs per URL setup, the notice's with a placeholder id: the relay queues a receipt
    notice per submission, and `reverse` three times a notice was ~10% of its CPU (bench/README.md)."""
    return (
        _absolute(reverse("notifications:notice-detail", args=[_NO_NOTICE], urlconf=urlconf)),
        _absolute(reverse("notifications:notice-list", urlconf=urlconf)),
        _absolute(reverse("notifications:preference-edit", urlconf=urlconf)),
    )


def _recipient(
    user_or_address: User | str, language: str | None, prefs: Mapping[int, ChannelPreference] | None = None
) -> tuple[User | None, str, list[Route], str]:
    """(user, recipient_ref, routes, language) for a user or a bare email address (a guest).

    `prefs`: the users' preferences already read (notify_all), by user id; else read here.
    """
    if isinstance(user_or_address, User):
        user = user_or_address
        pref = ChannelPreference.objects.filter(user=user).first() if prefs is None else prefs.get(user.pk)
        chosen = language or (pref.language if pref else None)
        return user, f"user/{user.public_id}", _routes(user, pref), language_of(chosen)
    address = str(user_or_address).strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidRecipient("notify() needs a user or an email address") from exc
    # A guest chose the language of the pages they used; the notice follows it.
    return None, f"email/{address.lower()}", [Route(Channel.EMAIL, address)], language_of(language or get_language())


def staff_notice_department(user: User, owning_department: str = "") -> str:
    """The department a notice to a member of staff is filed under, so the one policy lets them open it.

    Staff read notices through the policy, which checks the notice's department: the owning
    department of what the notice is about when the person belongs to it, else their own (a
    reviewer or a chat member from another department). The notice stays theirs alone, since
    `access.get_notice_for_user` also checks the recipient.
    """
    codes = list(user.departments.values_list("code", flat=True))
    return owning_department if owning_department in codes or not codes else codes[0]


def notify(
    user_or_address: User | str,
    template_code: str,
    context: Mapping[str, Any],
    *,
    subject: str,
    classification: str = Classification.OFFICIAL,
    dedupe_key: str,
    language: str | None = None,
    department: str = "",
) -> list[Message]:
    """Queue one notice to one recipient on each of their channels, in the caller's transaction.

    `subject` names the object the notice is about (`case/<uuid>`), `classification` is that
    object's, and `department` its department code (staff recipients read the notice through
    the access policy, which checks it). The same `dedupe_key` for the same recipient queues
    nothing new (a redelivered event sends one notice), so callers use the event id or the
    object and step it reports. Returns the recipient's messages for this key.
    """
    if template_code not in TEMPLATE_CODES:
        raise UnknownTemplate(template_code)
    user, ref, routes, lang = _recipient(user_or_address, language)
    notice = Notice(user_or_address, template_code, context, subject, dedupe_key, classification, department)
    with transaction.atomic(savepoint=False):
        existing = Message.objects.filter(dedupe_key=dedupe_key, recipient_ref=ref)
        if existing.exists():
            return list(existing)
        rows = _rows(notice, user, ref, routes, lang, timezone.now())
        # ON CONFLICT DO NOTHING: a concurrent redelivery that got here first wins, quietly.
        Message.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Message.objects.filter(dedupe_key=dedupe_key, recipient_ref=ref))


@dataclass(frozen=True)
class Notice:
    """One `notify` call's arguments, for notify_all."""

    recipient: User | str
    template_code: str
    context: Mapping[str, Any]
    subject: str
    dedupe_key: str
    classification: str = Classification.OFFICIAL
    department: str = ""
    language: str | None = None


def notify_all(notices: Sequence[Notice]) -> int:
    """Queue many notices as `notify` queues one, with three statements for all (the relay's batches).

    One read of the recipients' preferences, one of the de-duplication keys already queued, one
    INSERT. Returns how many messages were written.
    """
    for notice in notices:
        if notice.template_code not in TEMPLATE_CODES:
            raise UnknownTemplate(notice.template_code)
    users = [notice.recipient for notice in notices if isinstance(notice.recipient, User)]
    prefs = {pref.user_id: pref for pref in ChannelPreference.objects.filter(user__in=users)} if users else {}
    rows: list[Message] = []
    with transaction.atomic(savepoint=False):
        queued = set(
            Message.objects.filter(dedupe_key__in={notice.dedupe_key for notice in notices}).values_list(
                "dedupe_key", "recipient_ref"
            )
        )
        now = timezone.now()
        for notice in notices:
            user, ref, routes, lang = _recipient(notice.recipient, notice.language, prefs)
            if (notice.dedupe_key, ref) in queued:
                continue
            queued.add((notice.dedupe_key, ref))
            rows += _rows(notice, user, ref, routes, lang, now)
        Message.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _rows(notice: Notice, user: User | None, ref: str, routes: list[Route], lang: str, now: Any) -> list[Message]:
    """The notice rendered for each of the recipient's channels, as unsaved messages."""
    notice_id = uuid.uuid4()
    links = _inbox_links(notice_id) if user else {"notice_url": "", "inbox_url": "", "preferences_url": ""}
    values = {**notice.context, **links}
    full = render(notice.template_code, lang, values)
    outside = (
        render_for_outside(notice.template_code, lang, notice.classification, values)
        if is_classified(notice.classification)
        else full
    )
    common = {
        "template_code": notice.template_code,
        "language": lang,
        "recipient": user,
        "recipient_ref": ref,
        "dedupe_key": notice.dedupe_key,
        "subject": notice.subject,
        "classification": notice.classification,
        "department_code": notice.department,
    }
    return [_message(route, notice_id, full, outside, values, common, now) for route in routes]


def _message(
    route: Route,
    notice_id: uuid.UUID,
    full: Rendered,
    outside: Rendered,
    values: Mapping[str, Any],
    common: Mapping[str, Any],
    now: Any,
) -> Message:
    """The row for one channel: the portal keeps the full notice, other channels what may leave the site."""
    if route.channel == Channel.PORTAL:
        # Delivered by being written: the inbox shows it as soon as the change commits.
        return Message(
            public_id=notice_id,
            channel=route.channel,
            title=full.title,
            body=full.body,
            status=Message.Status.SENT,
            sent_at=now,
            created_at=now,
            **common,
        )
    if route.channel == Channel.EMAIL:
        body = outside.body + "\n" + render_footer(common["language"], values)
    elif route.channel == Channel.WEBHOOK:
        body = _webhook_body(notice_id, outside, values, common)
    else:  # SMS, LINE: one short text
        body = outside.short
    return Message(
        channel=route.channel,
        address=route.address,
        title=outside.title,
        body=body,
        status=Message.Status.QUEUED,
        next_attempt_at=now,
        created_at=now,
        **common,
    )


def _webhook_body(notice_id: uuid.UUID, outside: Rendered, values: Mapping[str, Any], common: Mapping[str, Any]) -> str:
    """The JSON a webhook receives. For SECRET and above, only that a notice exists and where."""
    classified = is_classified(common["classification"])
    payload = {
        "id": str(notice_id),
        "type": "civicloop.notice",
        "template": None if classified else common["template_code"],
        "subject": None if classified else common["subject"],
        "classification": common["classification"],
        "language": common["language"],
        "title": outside.title,
        "text": outside.body,
        "url": values.get("notice_url", ""),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class PreferenceChoice:
    language: str
    email_enabled: bool
    sms_enabled: bool
    phone: str
    line_enabled: bool
    line_user_id: str


def update_preferences(*, user: User, choice: PreferenceChoice) -> ChannelPreference:
    """Save where `user` wants notices. A channel switched on needs its address."""
    errors = {}
    if choice.sms_enabled and not choice.phone.strip():
        errors["phone"] = "SMS needs a mobile number"
    if choice.line_enabled and not choice.line_user_id.strip():
        errors["line_user_id"] = "LINE needs a LINE user id"
    if errors:
        raise PreferencesInvalid(errors)
    with transaction.atomic():
        pref, _created = ChannelPreference.objects.select_for_update().get_or_create(user=user)
        pref.language = language_of(choice.language)
        pref.email_enabled = choice.email_enabled
        pref.sms_enabled = choice.sms_enabled
        pref.phone = choice.phone.strip()
        pref.line_enabled = choice.line_enabled
        pref.line_user_id = choice.line_user_id.strip()
        pref.save()
        channels = [route.channel for route in routes_for(user)]
        # Where notices go is worth an audit line: a hijacked account would redirect them first.
        events.record(
            "notification.preferences_changed",
            subject=f"user/{user.public_id}",
            data={"channels": channels, "language": pref.language},
        )
        audit.record(
            actor=f"user/{user.public_id}",
            action="notification.preferences_change",
            object_type="user",
            object_id=str(user.public_id),
            data={"channels": channels, "language": pref.language},
        )
    return pref


@records_refusals
def requeue_messages(*, messages: Iterable[Message], by: User, context: Context = NO_CONTEXT) -> int:
    """Send failed or dead messages again now, with a fresh count of attempts.

    All or nothing: each message must be one `by` may work (its department's staff, per the one
    policy; a notice of no department, such as a sign-in notice, the system administrators'), else
    NotPermitted and nothing is queued.
    """
    count = 0
    with transaction.atomic():
        for message in messages:
            locked = Message.objects.select_for_update().get(pk=message.pk)
            if locked.department_code:
                authorise(by, Action.WORK, locked, context)
            elif not (by.is_staff_member and by.has_role(Role.ADMINISTRATOR)):
                raise NotPermitted("a notice of no department is sent again by a system administrator")
            if locked.status not in {Message.Status.FAILED, Message.Status.DEAD}:
                continue
            locked.status = Message.Status.QUEUED
            locked.attempts = 0
            locked.next_attempt_at = timezone.now()
            locked.save(update_fields=["status", "attempts", "next_attempt_at"])
            events.record(
                "notification.requeued",
                subject=f"notification/{locked.public_id}",
                data={"template": locked.template_code, "channel": locked.channel},
                classification=locked.classification,
            )
            audit.record(
                actor=f"user/{by.public_id}",
                action="notification.requeue",
                object_type="notification",
                object_id=str(locked.public_id),
                classification=locked.classification,
            )
            count += 1
    return count
