# SPDX-License-Identifier: MPL-2.0
"""What bench/workers.py's workers record, and how the bench counts it: events and notices handled twice.

Loaded by the workers under `bench.workers_settings`; the counting functions at the bottom are
plain Python, used by bench/workers.py after each run.

- Each consumer (`cases`, `notifications`, `analytics`, `webhooks`) is the real one, followed by
  an INSERT of (consumer, first position, last position, events) into `bench_tally`, in the
  transaction that applies the batch and moves the consumer's checkpoint. A batch that rolls
  back leaves no row; a batch applied twice leaves two overlapping rows.
- `CountingBackend` builds each e-mail as SMTP would (`message()`), then appends the notice's id
  (its `X-Civicloop-Notice` header) to `sent-<pid>.txt` in BENCH_MAIL_DIR before returning, so a
  mail is counted before the worker records it as sent. One file per process: no interleaving.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

TALLY_TABLE = """
CREATE TABLE IF NOT EXISTS bench_tally (
    consumer text NOT NULL, first_position bigint NOT NULL, last_position bigint NOT NULL,
    events integer NOT NULL, pid integer NOT NULL
)
"""


def _tallied(name: str) -> Any:
    def apply(events: Sequence[Any]) -> None:
        from django.conf import settings
        from django.db import connection
        from django.utils.module_loading import import_string

        import_string(getattr(settings, "BENCH_REAL_CONSUMERS")[name])(events)  # noqa: B009 - a bench-only setting
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_tally (consumer, first_position, last_position, events, pid) VALUES (%s, %s, %s, %s, %s)",
                [name, events[0].position, events[-1].position, len(events), os.getpid()],
            )

    apply.__name__ = name
    return apply


cases = _tallied("cases")
notifications = _tallied("notifications")
analytics = _tallied("analytics")
webhooks = _tallied("webhooks")


class CountingBackend(BaseEmailBackend):
    """Django e-mail backend: builds each message, records its notice id, sends nothing."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        ids = []
        for email in email_messages:
            email.message()  # the MIME message SMTP would send: headers, encoding, body
            ids.append(email.extra_headers.get("X-Civicloop-Notice", "?"))
        folder = Path(os.environ["BENCH_MAIL_DIR"])
        with open(folder / f"sent-{os.getpid()}.txt", "a") as log:
            log.write("".join(f"{notice}\n" for notice in ids))
        return len(email_messages)


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class Applied:
    """One consumer's batches: events applied more than once, and positions never applied."""

    consumer: str
    batches: int
    applied: int
    applied_twice: int
    missing: int


def count_applied(consumer: str, batches: Iterable[tuple[int, int, int]], head: int) -> Applied:
    """From (first, last, events) per batch and the log's head: how many positions were applied twice, how many never.

    Positions are consecutive (the relay numbers 1, 2, 3, …), so a batch covers first..last; a
    batch whose event count disagrees with its range is counted as a fault too (missing).
    """
    times: Counter[int] = Counter()
    rows = list(batches)
    gaps = 0
    for first, last, events in rows:
        if last - first + 1 != events:
            gaps += abs(last - first + 1 - events)
        times.update(range(first, last + 1))
    twice = sum(n - 1 for n in times.values() if n > 1)
    never = sum(1 for position in range(1, head + 1) if position not in times)
    return Applied(consumer, len(rows), sum(events for _f, _l, events in rows), twice, never + gaps)


@dataclass(frozen=True)
class Mailed:
    sent: int
    distinct: int
    sent_twice: int
    missing: int


def count_mail(folder: Path, expected: set[str]) -> Mailed:
    """Notice ids recorded by CountingBackend in `folder`: sends beyond the first per notice, and expected ones never sent."""
    sends: Counter[str] = Counter()
    for path in folder.glob("sent-*.txt"):
        sends.update(line for line in path.read_text().splitlines() if line)
    twice = sum(n - 1 for n in sends.values() if n > 1)
    return Mailed(sum(sends.values()), len(sends), twice, len(expected - set(sends)))
