# SPDX-License-Identifier: MPL-2.0
"""Delivery of queued notices: claim, send, record — three steps, never one long transaction.

1. Claim (a short transaction): due rows are locked with `SELECT … FOR UPDATE SKIP LOCKED` on
   PostgreSQL, so two workers never take the same row; each claimed row becomes `sending` with
   a lease (`next_attempt_at` = now + NOTIFICATIONS_LEASE_SECONDS) and one more attempt counted.
2. Send, outside any transaction: a slow mail server or gateway holds no row lock, and on SQLite
   (whose write transactions lock the whole database) it does not block residents' submissions.
3. Record the outcome (a short transaction): sent, or failed with the next attempt after an
   exponential backoff with jitter, or dead after NOTIFICATIONS_MAX_ATTEMPTS.

A worker that dies between 1 and 3 leaves the row `sending`; when its lease runs out the row is
due again and is sent again — delivery is at least once, and the lease must outlast a send. Each
channel hands the gateway the notice's own id (the e-mail Message-ID, LINE's retry key, the SMS
reference), so a copy sent again is recognised as the same notice by the receiving side.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicloop.core import events
from civicloop.notifications.channels import PermanentFailure, adapter_for
from civicloop.notifications.models import Channel, Message

logger = logging.getLogger(__name__)


def run_once() -> int:
    """One pass: deliver up to NOTIFICATIONS_BATCH_SIZE due messages; returns how many were tried."""
    claimed = _claim(settings.NOTIFICATIONS_BATCH_SIZE)
    for message in claimed:
        _deliver(message)
    return len(claimed)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the `attempts`-th failure: base·2^(n-1), capped, the upper half drawn at random.

    The jitter spreads the retries of many messages that failed together (a gateway outage) so
    they do not all hit the recovering gateway in the same second.
    """
    ceiling = min(
        settings.NOTIFICATIONS_BACKOFF_MAX_SECONDS, settings.NOTIFICATIONS_BACKOFF_SECONDS * 2 ** min(attempts - 1, 30)
    )
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def _claim(limit: int) -> list[Message]:
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    with transaction.atomic():
        rows = list(
            Message.objects.due(now)
            .exclude(channel=Channel.PORTAL)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        claimed = []
        for row in rows:
            if row.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                # Only a worker that died mid-send (the lease ran out) gets here: stop trying.
                _settle(row, Message.Status.DEAD, error="gave up: no attempt finished within the lease")
                continue
            row.status = Message.Status.SENDING
            row.attempts += 1
            row.next_attempt_at = lease
            claimed.append(row)
        Message.objects.bulk_update(claimed, ["status", "attempts", "next_attempt_at"])
    return claimed


def _deliver(message: Message) -> None:
    try:
        reference = adapter_for(message.channel).send(message)
    except PermanentFailure as exc:
        _record(message, Message.Status.DEAD, error=_describe(exc))
    except Exception as exc:  # any other failure may pass: retry later
        logger.warning(
            "notice %s on %s failed (attempt %d): %s",
            message.public_id,
            message.channel,
            message.attempts,
            type(exc).__name__,
        )
        give_up = message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
        _record(message, Message.Status.DEAD if give_up else Message.Status.FAILED, error=_describe(exc))
    else:
        _record(message, Message.Status.SENT, reference=reference)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _record(message: Message, status: str, *, error: str = "", reference: str = "") -> None:
    """Write the outcome, unless another worker took the row over after our lease ran out.

    One conditional UPDATE right after the send: the shorter the time between the gateway's
    acceptance and this write, the fewer notices a killed worker leaves to be sent twice.
    """
    with transaction.atomic():
        changes = _outcome(message, status, error=error, reference=reference)
        taken = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING, attempts=message.attempts).update(
            **changes
        )
        if not taken:
            logger.warning(
                "notice %s changed hands during delivery; outcome %s not recorded", message.public_id, status
            )
            return
        for field, value in changes.items():
            setattr(message, field, value)
        _record_event(message, status, error)


def _settle(message: Message, status: str, *, error: str = "", reference: str = "") -> None:
    """Store the new status and record its event; call inside a transaction."""
    changes = _outcome(message, status, error=error, reference=reference)
    for field, value in changes.items():
        setattr(message, field, value)
    message.save(update_fields=list(changes))
    _record_event(message, status, error)


def _outcome(message: Message, status: str, *, error: str, reference: str) -> dict[str, object]:
    """The columns an outcome sets: sent (with its reference), failed (due again later), or dead."""
    now = timezone.now()
    changes: dict[str, object] = {"status": status, "last_error": error, "next_attempt_at": None}
    if status == Message.Status.SENT:
        changes |= {"sent_at": now, "external_ref": reference[:200]}
    elif status == Message.Status.FAILED:
        changes["next_attempt_at"] = now + retry_delay(message.attempts)
    return changes


def _record_event(message: Message, status: str, error: str) -> None:
    data: dict[str, object] = {
        "template": message.template_code,
        "channel": message.channel,
        "attempts": message.attempts,
    }
    if error:
        # The kind of error only: its text may quote an address, and events carry no personal data.
        data["error"] = error.split(":", 1)[0]
    if status == Message.Status.FAILED and message.next_attempt_at is not None:
        data["next_attempt_at"] = message.next_attempt_at.isoformat()
    events.record(
        f"notification.{status}",
        subject=f"notification/{message.public_id}",
        data=data,
        classification=message.classification,
    )
