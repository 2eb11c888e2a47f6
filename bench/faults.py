# SPDX-License-Identifier: MPL-2.0
"""Crash safety under load: `make prod-local` loses and duplicates nothing while its processes are killed.

    .venv/bin/python bench/faults.py [--submissions 10000] [--residents 500] [--threads 12] ...

1. Starts its own `redis-server` (a free port from 6391, no persistence, a child of this script:
   the machine's Redis on 6379 is never touched) and drops the small database
   `civicloop_bench_faults`.
2. Starts the production topology on them exactly as `make prod-local` does (`python -m
   civicloop.ops.prod_local`): gunicorn with two workers, a Celery worker and beat, its own port
   (8731 or the next free one) and VAR_DIR under /tmp. Cache and sessions, the Celery broker and
   the relay's doorbell all point at this Redis. The per-resident submission limit is off (a
   rate limit is not what this measures) and the notice lease is its minimum, 30 s, so a notice
   claimed by a killed worker is retried within the run.
3. Mints `--residents` signed-in residents with an e-mail address (a session through the ORM, as
   bench/load_mix.py does) and registers a webhook subscriber for `application.submitted` that
   points at a small HTTP receiver in this process, which counts every POST by event id.
4. `--threads` client threads submit `--submissions` applications through `POST
   /api/applications`, each with its own Idempotency-Key; a connection error, a timeout or a 5xx
   is retried with the same key and body (backoff 0.2 s doubling to 2 s) until an answer comes.
5. Meanwhile, at fixed fractions of the submissions acknowledged, the fault plan (`PLAN`):
   `kill -9` of a gunicorn worker, of the gunicorn master, of the Celery worker and of one of its
   pool processes, several times each, and once a `kill -9` of Redis followed by a new one on the
   same port (empty: it kept nothing). prod-local's supervisor restarts a dead master; gunicorn
   and Celery replace their own children.
6. Waits until the relay has applied every event to every consumer, every e-mail notice is sent
   and every webhook delivery posted, then counts from the database, the mail files and the
   receiver (see `verify` in bench/faults_verify.py) and writes bench/results/faults.json. Exit
   status 1 on any loss or duplicate.

Every child (prod-local and what it started, Redis, the receiver) is stopped at the end, also on
failure. See bench/README.md, "Faults".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load_mix, load_site, report, services  # noqa: E402
from bench.faults_site import (  # noqa: E402
    DB_NAME,
    RedisServer,
    answers,
    children_of,
    free_port_from,
    kill_leftovers,
    start_site,
)
from bench.faults_verify import drain, verify  # noqa: E402
from bench.services import BIN, log  # noqa: E402

# (fraction of the submissions acknowledged, fault): spread over the run, no process killed twice
# within a few seconds (prod-local stops everything after five exits of one service in a minute).
PLAN = [
    (0.05, "web-worker"),
    (0.12, "celery-worker"),
    (0.20, "web-worker"),
    (0.28, "celery-child"),
    (0.36, "redis"),
    (0.45, "web-master"),
    (0.54, "celery-worker"),
    (0.63, "web-worker"),
    (0.72, "celery-child"),
    (0.81, "celery-worker"),
    (0.90, "web-worker"),
]


# --------------------------------------------------------------------------- the people and the receiver


def residents(count: int, run: str) -> list[dict[str, str]]:
    """`count` residents with an e-mail address, each signed in: cookie and CSRF token."""
    from importlib import import_module

    from django.conf import settings

    from civicloop.testing.factories import ResidentFactory

    store = import_module(settings.SESSION_ENGINE).SessionStore
    people = []
    for n in range(count):
        user = ResidentFactory.create(username=f"faults-{run}-{n}", email=f"faults-{n}@example.jp")
        session = store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        token = load_mix.csrf_token()
        people.append({"cookie": f"sessionid={session.session_key}; csrftoken={token}", "csrf": token})
    return people


class Receiver:
    """An outside system's webhook endpoint: answers 204 and counts each POST by CloudEvent id."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    received[str(json.loads(body).get("id"))] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", services.free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def register_receiver(url: str, run: str) -> None:
    from civicloop.relay.actions import register_subscription
    from civicloop.testing.factories import StaffFactory

    # A 清掃リサイクル課 clerk: the subscriber hears its department's events (relay.actions.departments_for).
    clerk = StaffFactory.create(username=f"faults-{run}-clerk", department="seiso")
    register_subscription(name="bench faults receiver", url=url, event_types=["application.submitted"], by=clerk)


# --------------------------------------------------------------------------- load


@dataclass
class Load:
    """The client side: what was sent, what was acknowledged, how often it had to retry."""

    base: str
    people: list[dict[str, str]]
    body: bytes
    run: str
    total: int
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → first answer
    receipts: dict[str, set[str]] = field(default_factory=dict)  # key → every receipt number answered
    outcomes: Counter[str] = field(default_factory=Counter)
    retried_keys: int = 0
    gave_up: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def key(self, n: int) -> str:
        return f"faults-{self.run}-{n:06d}"

    def submit(self, session: Any, n: int, deadline: float) -> None:
        """One submission, retried with the same key until it is answered (or `deadline`)."""
        import requests

        person = self.people[n % len(self.people)]
        key = self.key(n)
        headers = {"Cookie": person["cookie"], "X-CSRFToken": person["csrf"], "Idempotency-Key": key,
                   "Content-Type": "application/json"}  # fmt: skip
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = session.post(self.base + "/api/applications", data=self.body, headers=headers, timeout=30)
                outcome = str(resp.status_code)
            except requests.RequestException as exc:
                resp, outcome = None, type(exc).__name__
            with self.lock:
                self.outcomes[outcome] += 1
            if resp is not None and resp.status_code in (200, 201):
                answer = resp.json()
                with self.lock:
                    self.acked.setdefault(key, {"id": answer["id"], "receipt": answer["receipt_number"]})
                    self.receipts.setdefault(key, set()).add(answer["receipt_number"])
                    self.retried_keys += attempt > 1
                return
            if resp is not None and resp.status_code < 500:
                with self.lock:
                    self.rejected[key] = f"{resp.status_code} {resp.text[:200]}"
                return
            if time.monotonic() > deadline:
                with self.lock:
                    self.gave_up.append(key)
                return
            time.sleep(min(2.0, 0.2 * 2 ** min(attempt - 1, 4)) * random.uniform(0.5, 1.0))

    def run_threads(self, threads: int, deadline: float) -> float:
        """Every submission, from `threads` client threads; the seconds it took."""
        import requests

        numbers = iter(range(self.total))
        take = threading.Lock()

        def client() -> None:
            session = requests.Session()
            # Cookies go as minted, in the header: none the server sets is kept.
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            while True:
                with take:
                    n = next(numbers, None)
                if n is None:
                    return
                self.submit(session, n, deadline)

        began = time.monotonic()
        workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.monotonic() - began


# --------------------------------------------------------------------------- faults


@dataclass
class Faults:
    """Carries out PLAN as the load reaches each fraction; records what was killed, when, and the way back."""

    var_dir: Path
    base: str
    redis_server: RedisServer
    load: Load
    began: float
    done: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pids(self) -> dict[str, int]:
        pids: dict[str, int] = json.loads((self.var_dir / "prod-local.pids").read_text())
        return pids

    def run(self, stop: threading.Event) -> None:
        for fraction, fault in PLAN:
            while len(self.load.acked) < fraction * self.load.total and not stop.is_set():
                time.sleep(0.1)
            if stop.is_set():
                return
            try:
                self.done.append(self.inflict(fault, fraction))
            except Exception as exc:  # record it; the load goes on
                self.errors.append(f"{fault}: {type(exc).__name__}: {exc}")
            log(f"fault {len(self.done)}: {self.done[-1] if self.done else self.errors[-1]}")

    def inflict(self, fault: str, fraction: float) -> dict[str, Any]:
        at = round(time.monotonic() - self.began, 1)
        acked = len(self.load.acked)
        actions: dict[str, Callable[[], tuple[int, str, Callable[[], bool]]]] = {
            "web-worker": self.web_worker,
            "web-master": self.web_master,
            "celery-worker": self.celery_worker,
            "celery-child": self.celery_child,
            "redis": self.redis,
        }
        killed = time.monotonic()
        pid, what, is_back = actions[fault]()
        while not is_back() and time.monotonic() - killed < 60:
            time.sleep(0.1)
        back = round(time.monotonic() - killed, 1) if is_back() else None
        return {"fault": fault, "what": what, "pid": pid, "at_s": at, "acknowledged_before": acked,
                "planned_at_fraction": fraction, "back_after_s": back}  # fmt: skip

    def web_worker(self) -> tuple[int, str, Callable[[], bool]]:
        master = self.pids()["web"]
        before = children_of(master)
        victim = random.choice(before)
        os.kill(victim, signal.SIGKILL)
        return victim, "kill -9 of a gunicorn worker", lambda: len(set(children_of(master)) - {victim}) >= len(before)

    def web_master(self) -> tuple[int, str, Callable[[], bool]]:
        master = self.pids()["web"]
        os.kill(master, signal.SIGKILL)
        return master, "kill -9 of the gunicorn master", lambda: self.pids()["web"] != master and answers(self.base)

    def celery_worker(self) -> tuple[int, str, Callable[[], bool]]:
        worker = self.pids()["worker"]
        os.kill(worker, signal.SIGKILL)
        return worker, "kill -9 of the Celery worker (main process)", lambda: self.pids()["worker"] != worker

    def celery_child(self) -> tuple[int, str, Callable[[], bool]]:
        worker = self.pids()["worker"]
        before = children_of(worker)
        victim = random.choice(before)
        os.kill(victim, signal.SIGKILL)
        return (
            victim,
            "kill -9 of a Celery pool process",
            lambda: len(set(children_of(worker)) - {victim}) >= len(before),
        )

    def redis(self) -> tuple[int, str, Callable[[], bool]]:
        assert self.redis_server.process is not None
        pid = self.redis_server.process.pid
        self.redis_server.kill()
        time.sleep(2.0)  # down for a moment, as a restart by systemd would be
        self.redis_server.start()
        return pid, "kill -9 of Redis, 2 s down, a new empty redis-server on the same port", lambda: True


# --------------------------------------------------------------------------- main


def measure(opts: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    var_dir = run_dir / "var"
    var_dir.mkdir()
    redis_server = RedisServer(free_port_from(opts.redis_port), run_dir / "redis.log")
    redis_server.start()
    port = free_port_from(opts.port)
    base = f"http://127.0.0.1:{port}"
    receiver = Receiver()
    site_proc = None
    stop = threading.Event()
    try:
        log(f"redis-server on {redis_server.port} (pid {redis_server.process.pid if redis_server.process else 0}); "
            f"starting prod-local on {base}, database {DB_NAME}, VAR_DIR {var_dir}")  # fmt: skip
        site_proc = start_site(var_dir, port, redis_server)
        site = load_site.wait_for_site(site_proc, var_dir, base)
        log(f"prod-local answers (web {site['web']}, worker {site['worker']}, beat {site['beat']})")
        os.environ.pop("CIVICLOOP_DEBUG", None)
        services.setup_django(load_site.site_environment(var_dir))
        from django.db import connections

        run = uuid.uuid4().hex[:8]
        people = residents(opts.residents, run)
        register_receiver(receiver.url, run)
        connections.close_all()
        body = load_mix.submission_body().encode()
        load = Load(base=base, people=people, body=body, run=run, total=opts.submissions)
        log(f"{opts.residents} residents signed in, webhook receiver at {receiver.url}; "
            f"{opts.submissions:,} submissions from {opts.threads} threads, {len(PLAN)} faults")  # fmt: skip
        began = time.monotonic()
        faults = Faults(var_dir, base, redis_server, load, began)
        fault_thread = threading.Thread(target=faults.run, args=(stop,), daemon=True)
        fault_thread.start()
        progress = threading.Thread(target=show_progress, args=(load, stop), daemon=True)
        progress.start()
        load_seconds = load.run_threads(opts.threads, began + opts.load_timeout)
        stop.set()
        fault_thread.join(timeout=90)
        log(f"load done in {load_seconds:.0f} s: {len(load.acked):,} acknowledged; waiting for the relay and notices")
        drained = drain(opts.drain_timeout)
        log(f"drained: {drained}")
        verified = verify(load, receiver, var_dir / "mail")
        return {
            "load": load,
            "load_seconds": load_seconds,
            "faults": faults,
            "drained": drained,
            "verified": verified,
            "server_log_problems": load_site.server_problems(var_dir),
            "server_log_samples": log_samples(var_dir),
        }
    finally:
        stop.set()
        if site_proc is not None:
            load_site.stop_site(site_proc)
        kill_leftovers(var_dir)
        redis_server.kill()
        receiver.stop()


def log_samples(var_dir: Path, per_log: int = 8) -> dict[str, list[str]]:
    """The distinct error lines of each of the site's logs (numbers blanked), with how often each came."""
    found = {}
    for name in ("web", "worker", "beat"):
        path = var_dir / "logs" / f"{name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        seen: Counter[str] = Counter()
        for line in lines:
            if '"ERROR"' in line or " ERROR " in line or "Error:" in line:
                with contextlib.suppress(ValueError, AttributeError):  # a JSON record: its logger and message
                    record = json.loads(line)
                    line = f"{record['level']} {record['logger']}: {record['message']}"
                seen[re.sub(r"\d+", "N", line)[:300]] += 1
        found[name] = [f"{n} × {line}" for line, n in seen.most_common(per_log)]
    return found


def show_progress(load: Load, stop: threading.Event) -> None:
    began = time.monotonic()
    while not stop.wait(15):
        log(
            f"  {len(load.acked):,} acknowledged after {time.monotonic() - began:.0f} s; outcomes {dict(load.outcomes)}"
        )


def result_from(opts: argparse.Namespace, raw: dict[str, Any], began: str, seconds: float) -> dict[str, Any]:
    load: Load = raw["load"]
    faults: Faults = raw["faults"]
    v = raw["verified"]
    kills = [f for f in faults.done if f["fault"] != "redis"]
    return {
        "submitted": load.total,
        "acknowledged": len(load.acked),
        "present": v["present"],
        "duplicates": v["duplicates"],
        "events_lost": v["events_lost"],
        "events_duplicated": v["events_duplicated"],
        "notices_lost": v["notices_lost"],
        "notices_sent_twice": v["notices_sent_twice"],
        "notice_transmissions_repeated": v["notice_transmissions_repeated"],
        "webhook_posts_repeated": v["webhook_posts_repeated"],
        "kills": len(kills),
        "redis_restarts": sum(1 for f in faults.done if f["fault"] == "redis"),
        "faults": faults.done,
        "fault_errors": faults.errors,
        "client": {
            "threads": opts.threads,
            "residents": opts.residents,
            "load_seconds": round(raw["load_seconds"], 1),
            "acknowledged_per_s": round(len(load.acked) / max(0.1, raw["load_seconds"]), 1),
            "requests": sum(load.outcomes.values()),
            "outcomes": dict(load.outcomes.most_common()),
            "keys_retried": load.retried_keys,
            "answered_200_existing": load.outcomes.get("200", 0),
            "rejected": dict(list(load.rejected.items())[:10]),
            "rejected_count": len(load.rejected),
            "gave_up": len(load.gave_up),
        },
        "in_db_not_acknowledged": v["in_db_not_acknowledged"],
        "checks": v["checks"],
        "consumer_checkpoints": v["consumer_checkpoints"],
        "email_notices": v["email_notices"],
        "mail_messages_written": v["mail_messages_written"],
        "drain": raw["drained"],
        "server_log_problems": raw["server_log_problems"],
        "server_log_samples": raw["server_log_samples"],
        "topology": "make prod-local (python -m civicloop.ops.prod_local): gunicorn × 2 sync workers, Celery "
        "worker (concurrency 2) + beat, PostgreSQL database civicloop_bench_faults, a redis-server of its own "
        "(cache, sessions, broker, doorbell); CIVICLOOP_SUBMISSION_RATE_LIMIT=0, "
        "CIVICLOOP_NOTIFICATIONS_LEASE_SECONDS=30, e-mail to files",
        "machine": {
            "cores": os.cpu_count(),
            "cpu": report.cpu_model(),
            "loadavg": report.load_average(),
            "loadavg_before": raw.get("loadavg_before"),
        },
        "versions": {
            "redis": report.version_of(["redis-server", "--version"]),
            "celery": report.version_of([str(BIN / "celery"), "--version"]),
        },
        "date": began,
        "command": " ".join([".venv/bin/python bench/faults.py", *sys.argv[1:]]),
        "duration_s": round(seconds, 1),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=10_000, help="applications to submit (default 10,000)")
    parser.add_argument("--residents", type=int, default=500, help="signed-in residents they come from")
    parser.add_argument("--threads", type=int, default=12, help="client threads (default 12)")
    parser.add_argument("--port", type=int, default=8731, help="the site's port, or the next free one")
    parser.add_argument("--redis-port", type=int, default=6391, help="this bench's Redis, or the next free port")
    parser.add_argument("--load-timeout", type=float, default=1800, help="seconds before the client gives up")
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds to wait for the relay and notices")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder and the database")
    parser.add_argument("--output", type=Path, default=report.RESULTS / "faults.json")
    return parser.parse_args()


def problems_of(result: dict[str, Any]) -> list[str]:
    found = [f"{name} {result[name]}" for name in ("duplicates", "events_lost", "events_duplicated", "notices_lost",
                                         "notices_sent_twice")
             if result[name]]  # fmt: skip
    if result["present"] != result["acknowledged"]:
        found.append(f"present {result['present']} of {result['acknowledged']} acknowledged")
    if result["acknowledged"] != result["submitted"]:
        found.append(f"acknowledged {result['acknowledged']} of {result['submitted']} submitted")
    return found


def main() -> int:
    opts = parse_args()
    services.ensure_postgres()
    with services.pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    run_dir = Path(tempfile.mkdtemp(prefix="civicloop-bench-faults-"))
    began, started = report.now(), time.monotonic()
    loadavg_before = report.load_average()
    try:
        raw = measure(opts, run_dir)
        raw["loadavg_before"] = loadavg_before
        result = result_from(opts, raw, began, time.monotonic() - started)
    finally:
        if not opts.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
            with services.pg_connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        else:
            log(f"kept {run_dir} and the database {DB_NAME}")
    report.write(opts.output, result)
    problems = problems_of(result)
    print(json.dumps({k: v for k, v in result.items() if isinstance(v, int)}, ensure_ascii=False))
    print(f"faults: {'; '.join(problems) if problems else 'nothing lost, nothing duplicated'}; "
          f"wrote {report.shown(opts.output)}")  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
