# SPDX-License-Identifier: MPL-2.0
"""bench/faults.py's counting after the run: wait until everything is relayed and sent, then count.

`drain` waits until the relay has applied every event to every consumer, every e-mail notice is
sent and every webhook delivery posted; `verify` counts from the database, the mail files and the
webhook receiver what was lost and what came twice, for each consumer and channel.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import services
from bench.faults_site import DB_NAME
from bench.load_mix import SUBMITTED_PROCEDURE

if TYPE_CHECKING:
    from bench.faults import Load, Receiver

PROCEDURE = SUBMITTED_PROCEDURE
CONSUMERS = ("cases", "notifications", "analytics", "webhooks")
NOTICE_HEADER = re.compile(r"^X-Civicloop-Notice: (\S+)$", re.MULTILINE)
MESSAGE_ID = re.compile(r"^Message-ID: (\S+)$", re.MULTILINE | re.IGNORECASE)


def drain(timeout: float) -> dict[str, Any]:
    """Wait until the relay, the notices and the webhook deliveries have nothing left; what was left."""
    began = time.monotonic()
    with services.pg_connect(DB_NAME) as conn:
        while True:
            left = conn.execute(
                """SELECT (SELECT count(*) FROM core_event WHERE position IS NULL),
                          (SELECT coalesce(max(position), 0) FROM core_event),
                          (SELECT count(*) FROM notifications_message WHERE channel <> 'portal' AND status <> 'sent'),
                          (SELECT count(*) FROM relay_webhookdelivery WHERE status = 'pending')"""
            ).fetchone()
            unnumbered, head, unsent, undelivered = left
            cursors = dict(conn.execute("SELECT name, position FROM relay_consumercursor").fetchall())
            behind = {name: head - int(cursors.get(name, 0)) for name in CONSUMERS}
            state = {"unnumbered": unnumbered, "consumers_behind": behind, "notices_unsent": unsent,
                     "webhook_deliveries_pending": undelivered}  # fmt: skip
            if not unnumbered and not any(behind.values()) and not unsent and not undelivered:
                return {"seconds": round(time.monotonic() - began, 1), "left": state}
            if time.monotonic() - began > timeout:
                return {"seconds": None, "left": state}
            time.sleep(1.0)


def mail_sent(mail_dir: Path) -> tuple[Counter[str], dict[str, set[str]]]:
    """Per notice id in the e-mail the site wrote: how many copies, and under which Message-IDs.

    The file backend writes one file per connection, messages separated by a line of dashes.
    """
    copies: Counter[str] = Counter()
    message_ids: dict[str, set[str]] = {}
    for path in mail_dir.glob("*"):
        for text in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            for notice in NOTICE_HEADER.findall(text):
                copies[notice] += 1
                message_ids.setdefault(notice, set()).update(MESSAGE_ID.findall(text))
    return copies, message_ids


def counts(conn: Any, sql: str, params: list[Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.execute(sql, params).fetchall()}


def lost_and_twice(expected: list[str], seen: dict[str, int]) -> tuple[int, int]:
    return sum(1 for k in expected if seen.get(k, 0) == 0), sum(max(0, seen.get(k, 0) - 1) for k in expected)


def verify(load: Load, receiver: Receiver, mail_dir: Path) -> dict[str, Any]:
    """Count from the rows what the client was told, and what each consumer and channel did with it."""
    prefix = f"faults-{load.run}-%"
    with services.pg_connect(DB_NAME) as conn:
        apps = conn.execute(
            "SELECT submission_key, public_id::text, receipt_number FROM applications_application "
            "WHERE submission_key LIKE %s",
            [prefix],
        ).fetchall()
        by_key: Counter[str] = Counter(key for key, _id, _r in apps)
        ids = [public_id for _k, public_id, _r in apps]
        subjects = [f"application/{i}" for i in ids]
        submitted = counts(conn, "SELECT subject, count(*) FROM core_event WHERE type = %s AND subject = ANY(%s) "
                           "GROUP BY subject", ["jp.lg.civicloop.application.submitted", subjects])  # fmt: skip
        event_ids = [str(r[0]) for r in conn.execute(
            "SELECT id FROM core_event WHERE type = %s AND subject = ANY(%s)",
            ["jp.lg.civicloop.application.submitted", subjects]).fetchall()]  # fmt: skip
        cases = conn.execute(
            "SELECT a.public_id::text, c.public_id::text, c.workflow_state IS NOT NULL FROM cases_case c "
            "JOIN applications_application a ON a.id = c.application_id WHERE a.public_id::text = ANY(%s)",
            [ids],
        ).fetchall()
        opened = counts(conn, "SELECT subject, count(*) FROM core_event WHERE type = %s GROUP BY subject",
                        ["jp.lg.civicloop.case.opened"])  # fmt: skip
        notices = conn.execute(
            "SELECT subject, channel, public_id::text, status FROM notifications_message "
            "WHERE template_code = 'application.received' AND subject = ANY(%s)",
            [subjects],
        ).fetchall()
        analytics_ids = {str(r[0]) for r in conn.execute(
            "SELECT event_id FROM analytics_appliedevent WHERE event_id::text = ANY(%s)", [event_ids]).fetchall()}  # fmt: skip
        counted_submitted = conn.execute(
            "SELECT coalesce(sum(count), 0) FROM analytics_monthlycount WHERE metric = 'submitted' AND procedure = %s",
            [PROCEDURE],
        ).fetchone()[0]
        counted_opened = conn.execute(
            "SELECT coalesce(sum(count), 0) FROM analytics_dailycount WHERE metric = 'opened' AND procedure = %s",
            [PROCEDURE],
        ).fetchone()[0]
        all_submitted = conn.execute("SELECT count(*) FROM core_event WHERE type = %s",
                                     ["jp.lg.civicloop.application.submitted"]).fetchone()[0]  # fmt: skip
        all_opened = conn.execute("SELECT count(*) FROM core_event WHERE type = %s",
                                  ["jp.lg.civicloop.case.opened"]).fetchone()[0]  # fmt: skip
        deliveries = counts(conn, "SELECT e.id::text, count(*) FROM relay_webhookdelivery d JOIN core_event e "
                            "ON e.id = d.event_id WHERE d.status = 'delivered' AND e.id::text = ANY(%s) GROUP BY 1",
                            [event_ids])  # fmt: skip
        head = conn.execute("SELECT coalesce(max(position), 0) FROM core_event").fetchone()[0]
        cursors = dict(conn.execute("SELECT name, position FROM relay_consumercursor").fetchall())

    db_ids = {public_id: receipt for _k, public_id, receipt in apps}
    acked_ids = {str(a["id"]) for a in load.acked.values()}
    present = sum(1 for a in load.acked.values() if db_ids.get(str(a["id"])) == a["receipt"])
    duplicates = sum(n - 1 for n in by_key.values() if n > 1) + sum(len(r) - 1 for r in load.receipts.values())

    case_subjects = [f"case/{case_id}" for _a, case_id, _s in cases]
    per_event = {
        "outbox (application.submitted per application)": lost_and_twice(subjects, submitted),
        "outbox (case.opened per case)": lost_and_twice(case_subjects, opened),
    }
    email = {f"{s}": (pid, status) for s, channel, pid, status in notices if channel == "email"}
    portal = Counter(s for s, channel, _p, _s in notices if channel == "portal")
    email_rows = Counter(s for s, channel, _p, _s in notices if channel == "email")
    consumers = {
        "cases (process instance started per case)": (sum(1 for *_x, started in cases if not started), 0),
        "notifications (receipt notice queued, portal)": lost_and_twice(subjects, portal),
        "notifications (receipt notice queued, e-mail)": lost_and_twice(subjects, email_rows),
        "analytics (application.submitted counted)": (
            sum(1 for e in event_ids if e not in analytics_ids),
            max(0, counted_submitted - all_submitted),
        ),
        "analytics (case.opened counted)": (max(0, all_opened - counted_opened), max(0, counted_opened - all_opened)),
        "webhooks (delivery recorded as delivered)": lost_and_twice(event_ids, deliveries),
        "webhooks (POSTs the receiver got)": lost_and_twice(event_ids, dict(receiver.received)),
    }
    sent, message_ids = mail_sent(mail_dir)
    notices_lost = sum(1 for pid, status in email.values() if status != "sent" or sent.get(pid, 0) == 0)
    # A copy sent again after a kill carries the notice's one Message-ID (notifications/channels/
    # mail.py), which the recipient's side collapses: a notice counts twice when its copies carry
    # more than one Message-ID. The copies themselves are counted apart, as transmissions repeated.
    notices_twice = sum(max(0, len(message_ids.get(pid, ())) - 1) for pid, _s in email.values())
    transmissions_repeated = sum(max(0, sent.get(pid, 0) - 1) for pid, _s in email.values())
    # A webhook receiver may get an event twice by design (at least once over HTTP, idempotent on
    # the event id: relay.md): counted apart from the consumers' own duplicates.
    reposted = consumers.pop("webhooks (POSTs the receiver got)")
    events_lost = sum(v[0] for v in per_event.values()) + sum(v[0] for v in consumers.values()) + reposted[0]
    return {
        "present": present,
        "duplicates": duplicates,
        "in_db_not_acknowledged": sum(1 for i in db_ids if i not in acked_ids),
        "events_lost": events_lost,
        "events_duplicated": sum(v[1] for v in per_event.values()) + sum(v[1] for v in consumers.values()),
        "webhook_posts_repeated": reposted[1],
        "notices_lost": notices_lost,
        "notices_sent_twice": notices_twice,
        "notice_transmissions_repeated": transmissions_repeated,
        "checks": {
            name: {"lost": lost, "twice": twice}
            for name, (lost, twice) in {**per_event, **consumers, "webhooks (POSTs the receiver got)": reposted}.items()
        },
        "consumer_checkpoints": {
            name: {"position": int(cursors.get(name, 0)), "head": int(head)} for name in CONSUMERS
        },
        "email_notices": len(email),
        "mail_messages_written": sum(sent.values()),
    }
