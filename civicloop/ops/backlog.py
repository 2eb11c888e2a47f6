# SPDX-License-Identifier: MPL-2.0
"""What is waiting, read from the outbox, the notices and the cases: for /readyz and /metrics.

Each read is a handful of indexed queries, cheap enough for every probe and scrape on the
1,000,000-case data set (about 5 to 15 ms each, 4 million events): the unsequenced events through
their partial index, the oldest unapplied event through `Event.position`'s unique index, the
waiting notices through `notification_due_idx`, the overdue cases through the open-case partial
indexes. Only `pending_events` counts rows, and only for /metrics.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone

from civicloop.cases.models import Case
from civicloop.core.models import Event
from civicloop.notifications.models import Channel, Message
from civicloop.relay.models import ConsumerCursor

WAITING = [Message.Status.QUEUED, Message.Status.SENDING, Message.Status.FAILED]


@dataclass(frozen=True)
class OutboxBacklog:
    """How far the relay and the consumers are behind the events already committed."""

    lag_seconds: float  # age of the oldest event not yet numbered by the relay or applied by every consumer
    unsequenced: int  # committed events the relay has not numbered yet
    behind: list[str]  # the consumers that have not applied the newest numbered event


@dataclass(frozen=True)
class NoticeBacklog:
    """Notices not yet sent: how many (by channel), and how late the most overdue one is."""

    waiting: dict[str, int]  # channel → queued, sending or failed-and-retrying messages
    lag_seconds: float  # how long the oldest message due now has been due; 0 when none is
    dead: int  # messages given up after the last attempt, until staff send them again


def _age(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0


def _positions() -> dict[str, int]:
    """Each configured consumer's checkpoint; one that never ran is at 0 (it starts from the beginning)."""
    saved = dict(ConsumerCursor.objects.values_list("name", "position"))
    return {name: saved.get(name, 0) for name in settings.EVENT_CONSUMERS}


def outbox_backlog() -> OutboxBacklog:
    """The relay's backlog, without counting rows: the oldest waiting event is found through indexes."""
    now = timezone.now()
    oldest_unsequenced = Event.objects.filter(position__isnull=True).aggregate(t=Min("time"))["t"]
    unsequenced = Event.objects.filter(position__isnull=True).count()
    head = int(Event.objects.aggregate(head=Max("position"))["head"] or 0)
    positions = _positions()
    slowest = min(positions.values(), default=head)
    oldest_unapplied = (
        Event.objects.filter(position__gt=slowest).order_by("position").values_list("time", flat=True).first()
        if slowest < head
        else None
    )
    oldest = min((t for t in (oldest_unsequenced, oldest_unapplied) if t is not None), default=None)
    behind = sorted(name for name, position in positions.items() if position < head)
    return OutboxBacklog(lag_seconds=_age(oldest, now), unsequenced=unsequenced, behind=behind)


def pending_events() -> dict[str, int]:
    """How many numbered events each consumer has not applied yet, counted (positions can have gaps).

    Milliseconds while the consumers keep up; a consumer millions of events behind costs a count
    over that stretch of the position index (about 0.3 s for 4 million), once per distinct position.
    """
    positions = _positions()
    counts = {position: Event.objects.filter(position__gt=position).count() for position in set(positions.values())}
    return {name: counts[position] for name, position in positions.items()}


def notice_backlog() -> NoticeBacklog:
    """Notices waiting for the worker. Lag counts from when a message became due, so a message
    waiting out its retry backoff (a gateway that is down) does not read as a slow worker."""
    now = timezone.now()
    rows = Message.objects.filter(status__in=WAITING).values("channel").annotate(n=Count("pk")).order_by()
    # Every channel that can wait, 0 included, so an alert has a series to read; portal notices
    # are delivered when written and never wait.
    waiting = {channel: 0 for channel in Channel.values if channel != Channel.PORTAL}
    waiting.update({row["channel"]: row["n"] for row in rows})
    oldest_due = Message.objects.due(now).aggregate(t=Min("next_attempt_at"))["t"]
    dead = Message.objects.filter(status=Message.Status.DEAD).count()
    return NoticeBacklog(waiting=waiting, lag_seconds=_age(oldest_due, now), dead=dead)


def overdue_cases() -> dict[str, int]:
    """Open cases past the due date of their standard processing period (標準処理期間), by department code.

    The same rule as the inbox and the SLA reminders (`CaseQuerySet.overdue`): a case paused for a
    補正 is not overdue, and the date is today's in Asia/Tokyo.
    """
    rows = (
        Case.objects.overdue(timezone.localdate())
        .values("department__code")
        .annotate(n=Count("pk"))
        .order_by("department__code")
    )
    return {row["department__code"]: row["n"] for row in rows}
