# SPDX-License-Identifier: MPL-2.0
"""Celery scale-out: 1, 2 and 4 worker processes drain a backlog of events and notices, beside `manage.py worker`.

    .venv/bin/python bench/workers.py [--events 100000] [--notices 20000] [--processes 1,2,4]

The backlog, built once into a template database (PostgreSQL, `civicloop_bench_workers_tpl`):

- events: `generate_cases` (cases with their history: application.submitted, case.opened,
  case.claimed, case.decided, …, about four a case), trimmed to exactly `--events` (the newest go),
  all made unrelayed (no position) and every consumer's checkpoint at 0, with the analytics
  tables empty. So the relay numbers every event and each consumer (`cases`, `notifications`,
  `analytics`, `webhooks`) applies every one: analytics counts them, the notifications consumer
  writes the receipt notices of the submissions (portal only: the generated people have no
  e-mail address, so these add nothing to deliver), the cases consumer starts the process of
  each open case. No webhook subscriber: that consumer only reads.
- notices: `--notices` e-mail notices (`application.received`, through `notify_all`, as the
  relay queues them) to 200 residents with an address, waiting for delivery. Each one delivered
  records a `notification.sent` event, which the relay then carries too (`events_relayed`: the
  backlog plus those).

Each run gets a copy of the template (CREATE DATABASE … TEMPLATE, a second or two), a fresh
folder for mail, an emptied Redis database, then its workers:

- baseline: `manage.py worker`, one process, what `make run` starts;
- Celery: `celery -A config worker --concurrency N` on Redis (BENCH_WORKERS_BROKER, default db 12),
  sent the ticks beat would send (relay and notifications each second, expiring after 2 s).

Both run bench.workers_settings: only the relay and delivery tasks, consumers that also write a
tally row per batch, and a mail backend that records each send (bench/workers_probes.py). The
clock starts at the first item moved (startup is reported beside it); `events_seconds` ends when
every consumer has applied the backlog's events, `notices_seconds` when every notice is sent,
`seconds` when nothing at all is left (the events of the last notices relayed too). The bench
polls the database every 0.2 s. Afterwards it counts, from the tally and the mail log, events some
consumer applied twice and notices sent twice (`delivered_twice`, must be 0) and what was never
applied or sent. Writes bench/results/workers.json; exit status 1 on any duplicate or loss.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report, services
from bench.workers_probes import TALLY_TABLE, count_applied, count_mail

TEMPLATE = "civicloop_bench_workers_tpl"
RUN_DB = "civicloop_bench_workers"
CONSUMERS = ("cases", "notifications", "analytics", "webhooks")
BROKER = os.environ.get("BENCH_WORKERS_BROKER", "redis://127.0.0.1:6379/12")
SETTINGS = "bench.workers_settings"
POLL = 0.2
CELERY = str(services.BIN / "celery")
RECIPIENTS = 200
EVENTS_PER_CASE = 3.9  # what generate_cases writes per case (measured), to ask for enough cases


def log(msg: str) -> None:
    services.log(msg)


# --------------------------------------------------------------------------- the backlog


def build_template(events: int, notices: int, var_dir: Path) -> dict[str, Any]:
    """Make the template database holding the backlog; returns what it holds."""
    info = services.recreate_database(TEMPLATE)
    env = {**services.bench_env(var_dir, services.database_url(TEMPLATE)), "DJANGO_SETTINGS_MODULE": SETTINGS}
    started = time.monotonic()
    services.manage(env, "migrate", "-v0")
    services.manage(env, "load_catalog", "-v0")
    cases = int(events / EVENTS_PER_CASE) + 50
    services.manage(env, "generate_cases", "--cases", str(cases), "--seed", "1", "--no-vacuum", "-v0")
    code = f"import bench.workers as w; w.fill_backlog({events}, {notices})"
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=services.ROOT, env=env, check=True
    )
    with services.pg_connect(TEMPLATE) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"template {TEMPLATE}: {events:,} events, {notices:,} notices in {time.monotonic() - started:.0f} s")
    return {"postgresql": info, "cases": cases}


def fill_backlog(events: int, notices: int) -> None:
    """Inside Django on the template: exactly `events` unrelayed events, `notices` e-mails waiting."""
    from django.db import connection, transaction

    from civicloop.core import events as core_events
    from civicloop.notifications.actions import Notice, notify_all
    from civicloop.relay.models import ConsumerCursor
    from civicloop.testing.factories import ResidentFactory

    context = {
        "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste"},
        "receipt_number": "2026-7KQ4-M9XD",
        "application_url": "https://civicloop.example/applications/x/",
    }
    people = [
        ResidentFactory.create(username=f"bench-notices-{n}", email=f"bench-{n}@example.jp") for n in range(RECIPIENTS)
    ]
    for start in range(0, notices, 1000):
        batch = [
            Notice(people[n % RECIPIENTS], "application.received", context, f"application/bench-{n}", f"bench/{n}")
            for n in range(start, min(start + 1000, notices))
        ]
        with transaction.atomic():
            notify_all(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_event")
        surplus = cursor.fetchone()[0] - events
        if surplus > 0:
            cursor.execute(
                "DELETE FROM core_event WHERE id IN (SELECT id FROM core_event ORDER BY time DESC, id DESC LIMIT %s)",
                [surplus],
            )
        for n in range(-surplus):  # too few: plain events no consumer acts on
            core_events.record("bench.filler", subject=f"bench/{n}", data={})
        cursor.execute("UPDATE core_event SET position = NULL, relayed_at = NULL")
        # The receipts the notifications consumer queues for the submissions stay in the portal.
        cursor.execute("UPDATE accounts_user SET email = '' WHERE username NOT LIKE 'bench-notices-%%'")
        cursor.execute("UPDATE applications_application SET guest_email = ''")
        tables = [t for t in connection.introspection.table_names(cursor) if t.startswith("analytics_")]
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
        cursor.execute(TALLY_TABLE)
        for name in CONSUMERS:
            ConsumerCursor.objects.update_or_create(name=name, defaults={"position": 0})


# --------------------------------------------------------------------------- one run


def fresh_copy() -> str:
    with services.pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{TEMPLATE}"')
    return services.database_url(RUN_DB)


def backlog(conn: Any) -> tuple[int, int, int, int]:
    """Events some consumer has still to apply (or the relay to number), e-mail notices not sent,
    the log's head, and the lowest consumer checkpoint."""
    row = conn.execute(
        """SELECT (SELECT COUNT(*) FROM core_event WHERE position IS NULL),
                  (SELECT COALESCE(MAX(position), 0) FROM core_event),
                  (SELECT COUNT(*) FROM notifications_message WHERE channel <> 'portal' AND status <> 'sent')"""
    ).fetchone()
    unnumbered, head, unsent = row
    cursors = dict(conn.execute("SELECT name, position FROM relay_consumercursor").fetchall())
    behind = unnumbered + sum(head - cursors.get(name, 0) for name in CONSUMERS)
    return behind, unsent, head, min(cursors.get(name, 0) for name in CONSUMERS)


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes in process group `pgid` (the workers)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def run(kind: str, processes: int, totals: tuple[int, int], var_dir: Path, timeout: float) -> dict[str, Any]:
    """Drain a fresh copy of the backlog with one kind of worker; the figures and the counts."""
    import redis

    database_url = fresh_copy()
    mail = Path(tempfile.mkdtemp(prefix="bench-workers-mail-"))
    redis.Redis.from_url(BROKER).flushdb()
    env = {
        **services.bench_env(var_dir, database_url),
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "CIVICLOOP_CELERY_BROKER_URL": BROKER,
        "CIVICLOOP_REDIS_URL": "",  # no doorbell: a backlog, not a stream of commits
        "BENCH_MAIL_DIR": str(mail),
    }
    if kind == "baseline":
        cmd = [sys.executable, str(services.ROOT / "manage.py"), "worker"]
    else:
        cmd = [CELERY, "-A", "config", "worker", "--concurrency", str(processes), "--loglevel", "WARNING"]
        cmd += ["--without-mingle", "--without-gossip", "--prefetch-multiplier", "1"]
    label = "manage.py worker" if kind == "baseline" else f"celery × {processes}"
    log(f"{label}: draining {totals[0]:,} events and {totals[1]:,} notices")
    load_start = report.load_average()
    busy0 = machine_busy()
    launched = time.monotonic()
    proc = services.popen_logged(cmd, cwd=services.ROOT, env=env, log_path=var_dir / f"{kind}-{processes}.log")
    try:
        timing = drive(kind, proc, totals, launched, timeout)
        cpu = group_cpu_seconds(proc.pid)
    finally:
        stop(proc)
    busy1 = machine_busy()
    figures = {
        "kind": kind,
        "processes": processes,
        "command": " ".join(Path(cmd[0]).name if i == 0 else part for i, part in enumerate(cmd)),
        **timing,
        **verify(totals, mail),
        "events_per_s": round(totals[0] / timing["events_seconds"], 1),
        "notices_per_s": round(totals[1] / timing["notices_seconds"], 1),
        "worker_cpu_seconds": round(cpu, 1),
        "worker_cores_used": round(cpu / timing["seconds"], 2),
        "machine_cores_busy": round((busy1[0] - busy0[0]) / (busy1[1] - busy0[1]) * (os.cpu_count() or 1), 2),
        "load_average_start": load_start,
        "load_average_end": report.load_average(),
    }
    shutil.rmtree(mail, ignore_errors=True)
    log(
        f"{label}: events {figures['events_per_s']:,}/s ({timing['events_seconds']} s), "
        f"notices {figures['notices_per_s']:,}/s ({timing['notices_seconds']} s), "
        f"twice {figures['delivered_twice']}, missing {figures['missing']}"
    )
    return figures


def drive(kind: str, proc: Any, totals: tuple[int, int], launched: float, timeout: float) -> dict[str, float]:
    """Send beat's ticks (Celery) and watch the database until both backlogs are empty."""
    from celery import Celery

    client = Celery("bench-workers", broker=BROKER, set_as_current=False)
    client.conf.task_serializer = "json"
    queue = f"civicloop-{os.environ.get('CIVICLOOP_LG_CODE', '131130')}"
    first_move = backlog_done = events_done = notices_done = None
    next_tick = 0.0
    deadline = launched + timeout
    try:
        with services.pg_connect(RUN_DB) as conn:
            while events_done is None or notices_done is None:
                now = time.monotonic()
                if proc.poll() is not None:
                    raise RuntimeError(f"{kind} worker exited with {proc.returncode}; see its log")
                if now > deadline:
                    raise RuntimeError(f"{kind} worker did not drain the backlog within {timeout:.0f} s")
                if kind == "celery" and now >= next_tick:
                    for name in ("relay", "notifications"):
                        client.send_task(f"civicloop.worker.{name}", queue=queue, expires=2.0)
                    next_tick = now + 1.0
                behind, unsent, head, lowest = backlog(conn)
                now = time.monotonic()
                if first_move is None and (head > 0 or unsent < totals[1]):
                    first_move = now
                # The backlog's events are the oldest, so the relay numbers them 1 … events first.
                if backlog_done is None and lowest >= totals[0]:
                    backlog_done = now
                # Delivered notices record events: the relay's work may grow again until they are done.
                events_done = (events_done or now) if behind == 0 else None
                if notices_done is None and unsent == 0:
                    notices_done = now
                time.sleep(POLL)
    finally:
        client.close()
    assert first_move is not None and backlog_done is not None
    return {
        "startup_seconds": round(first_move - launched, 1),
        "events_seconds": round(max(backlog_done - first_move, POLL), 1),
        "notices_seconds": round(max(notices_done - first_move, POLL), 1),
        "seconds": round(max(events_done, notices_done) - first_move, 1),
    }


def stop(proc: Any) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # Celery: warm shutdown; manage.py worker: exits
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def verify(totals: tuple[int, int], mail: Path) -> dict[str, Any]:
    """Count from the tally and the mail log: applied or sent twice, never applied or sent."""
    with services.pg_connect(RUN_DB) as conn:
        head = conn.execute("SELECT COALESCE(MAX(position), 0) FROM core_event").fetchone()[0]
        rows = conn.execute("SELECT consumer, first_position, last_position, events FROM bench_tally").fetchall()
        notice_ids = {
            str(r[0])
            for r in conn.execute("SELECT public_id FROM notifications_message WHERE channel = 'email'").fetchall()
        }
        resent = conn.execute(
            "SELECT COUNT(*) FROM notifications_message WHERE channel = 'email' AND attempts <> 1"
        ).fetchone()[0]
    applied = [
        count_applied(name, [(first, last, n) for c, first, last, n in rows if c == name], head) for name in CONSUMERS
    ]
    mailed = count_mail(mail, notice_ids)
    events_twice = sum(a.applied_twice for a in applied)
    return {
        "delivered_twice": events_twice + mailed.sent_twice,
        "missing": sum(a.missing for a in applied) + mailed.missing,
        # The backlog, and the `notification.sent` event each delivered notice records: relayed too.
        "events_relayed": head,
        "events_twice": events_twice,
        "notices_twice": mailed.sent_twice,
        "notices_attempted_more_than_once": resent,
        "consumers": {a.consumer: {k: v for k, v in asdict(a).items() if k != "consumer"} for a in applied},
        "mail": asdict(mailed),
    }


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the backlog (default 100,000)")
    parser.add_argument("--notices", type=int, default=20_000, help="e-mail notices waiting (default 20,000)")
    parser.add_argument("--processes", default="1,2,4", help="Celery worker processes per run (default 1,2,4)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the `manage.py worker` run")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a run may take (default 1800)")
    parser.add_argument("--output", type=Path, default=report.RESULTS / "workers.json")
    args = parser.parse_args()
    processes = [int(p) for p in args.processes.split(",") if p.strip()]
    services.ensure_postgres()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    began = report.now()
    load_start = report.load_average()
    try:
        built = build_template(args.events, args.notices, var_dir)
        totals = (args.events, args.notices)
        baseline = None if args.no_baseline else run("baseline", 1, totals, var_dir, args.timeout)
        runs = [run("celery", n, totals, var_dir, args.timeout) for n in processes]
    finally:
        with services.pg_connect() as conn:
            for name in (RUN_DB, TEMPLATE):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)
    every = ([baseline] if baseline else []) + runs
    result = {
        "runs": runs,
        "baseline": baseline,
        "delivered_twice": sum(r["delivered_twice"] for r in every),
        "missing": sum(r["missing"] for r in every),
        "backlog": {"events": args.events, "notices": args.notices, "generated_cases": built["cases"]},
        "mail_backend": "bench.workers_probes.CountingBackend: builds each MIME message, appends its notice id "
        "to a per-process file; no network, countable across processes",
        "broker": BROKER,
        "machine": {
            "cores": os.cpu_count(),
            "cpu": report.cpu_model(),
            "load_average_start": load_start,
            "load_average_end": report.load_average(),
            "shared": "2 cores shared with other sessions' work; see each run's machine_cores_busy",
        },
        "postgresql": built["postgresql"],
        "celery": report.version_of([CELERY, "--version"]),
        "redis": report.version_of(["redis-server", "--version"]),
        "command": " ".join(["python", "bench/workers.py", *sys.argv[1:]]),
        "date": began,
    }
    report.write(args.output, result)
    summarise(result)
    print(f"wrote {report.shown(args.output)}")
    return 1 if result["delivered_twice"] or result["missing"] else 0


def summarise(result: dict[str, Any]) -> None:
    print(f"\n{'worker':<22}{'events/s':>10}{'notices/s':>11}{'seconds':>9}{'cores':>7}{'machine':>9}{'twice':>7}")
    rows = ([("manage.py worker (baseline)", result["baseline"])] if result["baseline"] else []) + [
        (f"celery × {r['processes']}", r) for r in result["runs"]
    ]
    for label, r in rows:
        print(
            f"{label:<22}{r['events_per_s']:>10,.1f}{r['notices_per_s']:>11,.1f}{r['seconds']:>9.1f}"
            f"{r['worker_cores_used']:>7.2f}{r['machine_cores_busy']:>9.2f}{r['delivered_twice']:>7}"
        )
    print(f"delivered_twice {result['delivered_twice']}, missing {result['missing']}; load {result['machine']}")


if __name__ == "__main__":
    sys.exit(main())
