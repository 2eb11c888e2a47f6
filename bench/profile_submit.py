# SPDX-License-Identifier: MPL-2.0
"""Where a submission's CPU goes: `POST /api/applications` in-process, with its SQL and a profile.

    .venv/bin/python bench/profile_submit.py [--requests 300] [--top 40] [--sort tottime]

Creates a fresh PostgreSQL database (`civicloop_bench_profile`), migrates it and loads the
catalogue, signs a resident in as bench/submit.py does, then sends submissions through Django's
test client (the whole middleware stack, session authentication and CSRF; no gunicorn, no wrk):

1. CPU time per request (`time.process_time`, this process only: PostgreSQL's work is not in it)
   and wall time, medians over `--requests` after 30 untimed;
2. the SQL statements of one submission, in order;
3. the same requests under cProfile, the `--top` functions by `--sort`.

The baseline's view (one INSERT) is timed the same way, for scale. Prints; writes nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, profiling, services, submit  # noqa: E402

DB_NAME = "civicloop_bench_profile"
DATABASE_URL = services.database_url(DB_NAME)


# Stages of a submission, by (part of the file name, function name), to sum cumulative CPU time.
STAGES = {
    "whole request (handler)": ("django/test/client.py", "request"),
    "middleware + view (get_response)": ("django/core/handlers/base.py", "get_response"),
    "session load (SessionStore.load)": ("sessions/backends/db.py", "load"),
    "user lookup (auth.get_user)": ("django/contrib/auth/__init__.py", "get_user"),
    "ninja: operation.run": ("ninja/operation.py", "run"),
    "ninja: parse the body (_get_values)": ("ninja/operation.py", "_get_values"),
    "view: submit_from_api": ("applications/actions.py", "submit_from_api"),
    "  idempotency lookup (_by_key)": ("applications/actions.py", "_by_key"),
    "  form-schema validation (validate)": ("catalog/formschema/validation.py", "validate"),
    "  the transaction (_file)": ("applications/actions.py", "_file"),
    "    events.record": ("core/events.py", "record"),
    "    open_case": ("cases/", "open_case"),
    "      workflow.start": ("cases/workflow.py", "start"),
    "      workflow.dump": ("cases/workflow.py", "dump"),
    "    notify (receipt notice)": ("notifications/actions.py", "notify"),
    "    audit.record": ("core/audit.py", "record"),
    "    Case/CaseTask/Event/… inserts (Model.save_base)": ("django/db/models/base.py", "save_base"),
    "  commit": ("django/db/backends/base/base.py", "commit"),
    "CSRF check (process_view)": ("django/middleware/csrf.py", "process_view"),
    "response: session save (process_response)": ("sessions/middleware.py", "process_response"),
    "ninja: serialise the answer (_result_to_response)": ("ninja/operation.py", "_result_to_response"),
    "SQL: execute (all statements)": ("django/db/backends/utils.py", "_execute"),
    "ORM: compile SQL (as_sql)": ("django/db/models/sql/compiler.py", "as_sql"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument(
        "--relay",
        type=int,
        metavar="N",
        help="instead: the relay's CPU per submission for the work left to it, in passes of N events",
    )
    parser.add_argument(
        "--py-spy",
        metavar="BIN",
        help="sample with this py-spy binary instead of cProfile (no per-call overhead: truer shares)",
    )
    opts = parser.parse_args()

    services.ensure_postgres()
    services.recreate_database(DB_NAME)
    env = services.bench_env(Path(tempfile.mkdtemp(prefix="civicloop-profile-")), DATABASE_URL)
    services.manage(env, "migrate", "--noinput", "-v0")
    services.manage(env, "load_catalog")
    auth = submit.setup_in_django(env)  # django.setup() happens here

    from django.db import connection
    from django.test import Client

    body = json.dumps({"procedure": submit.PROCEDURE, "answers": submit.valid_answers(dt.date.today())})
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = auth["sessionid"]
    client.cookies["csrftoken"] = auth["csrftoken"]
    counter = iter(range(10**9))

    def postgres_cpu() -> float:
        """CPU seconds so far of this connection's PostgreSQL backend (the server runs on this machine)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        return load.proc_cpu(pid)

    def submission() -> None:
        response = client.post(
            submit.SUBMIT_PATH,
            body,
            content_type="application/json",
            headers={"X-CSRFToken": auth["csrftoken"], "Idempotency-Key": f"profile-{next(counter):08d}"},
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    def baseline() -> None:
        assert client.post(services.BASELINE_PATH, b"{}", content_type="application/json").status_code == 201

    def timed(func: Callable[[], None], n: int) -> dict[str, float]:
        backend = postgres_cpu()
        figures = profiling.medians(func, n)
        return {**figures, "postgres_cpu_ms": round((postgres_cpu() - backend) * 1000 / n, 2)}

    for _ in range(30):
        submission()
        baseline()
    figures = {"submission": timed(submission, opts.requests), "baseline": timed(baseline, opts.requests)}
    print(f"\n== per request (medians of {opts.requests}), load average {os.getloadavg()}")
    for name, values in figures.items():
        print(
            f"  {name:<11} cpu {values['cpu_ms']:6.2f} ms   wall {values['wall_ms']:6.2f} ms   "
            f"PostgreSQL backend cpu {values['postgres_cpu_ms']:5.2f} ms (mean)"
        )
    profiling.print_sql(submission, "one submission")

    if opts.relay:
        return profile_relay(opts, submission, postgres_cpu)
    if opts.py_spy:
        return sample(opts, submission)
    # CPU time, not wall time: waits on PostgreSQL (and on other processes of a shared machine) drop out.
    stats = profiling.cpu_profile(submission, opts.requests, sort=opts.sort, top=opts.top).stats  # type: ignore[attr-defined]
    print("== where a submission's CPU goes (cumulative CPU ms per submission; the parts overlap)")
    for label, (file_part, function) in STAGES.items():
        found = [v for (f, _, name), v in stats.items() if name == function and file_part in f]
        if found:
            print(f"  {label:<44} {1000 * sum(v[3] for v in found) / opts.requests:7.2f}")
    return 0


def profile_relay(opts: argparse.Namespace, submission: Callable[[], None], postgres_cpu: Callable[[], float]) -> int:
    """Submit `--requests` times, then relay their events in passes of `--relay` events (CPU, profiled)."""
    from django.conf import settings

    from civicloop.relay.relay import run_pass

    settings.EVENT_CONSUMERS = {k: v for k, v in settings.EVENT_CONSUMERS.items() if k in submit.DEFERRED_CONSUMERS}
    while run_pass():  # what the earlier submissions left
        pass
    settings.RELAY_BATCH_SIZE = opts.relay
    for profiled in (False, True):
        for _ in range(opts.requests):
            submission()
        profile = cProfile.Profile(time.process_time)
        backend = postgres_cpu()
        passes, c0 = 0, time.process_time()
        if profiled:
            profile.enable()
        while run_pass():
            passes += 1
        profile.disable()
        cpu = time.process_time() - c0
        pg = postgres_cpu() - backend
        print(f"\n== relay: {opts.requests} submissions' events in {passes} passes of ≤ {opts.relay} per consumer")
        print(
            f"  CPU per submission {1000 * cpu / opts.requests:.2f} ms{' (under cProfile)' if profiled else ''}, "
            f"PostgreSQL backend {1000 * pg / opts.requests:.2f} ms"
        )
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(opts.top)
    print(out.getvalue())
    return 0


def sample(opts: argparse.Namespace, submission: Callable[[], None]) -> int:
    """py-spy attached to this process while it submits: the share of on-CPU samples per stage."""
    out = Path(tempfile.mkdtemp(prefix="civicloop-pyspy-")) / "stacks.txt"
    spy = subprocess.Popen(
        [opts.py_spy, "record", "--pid", str(os.getpid()), "--rate", "500", "--format", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # let it attach
    for _ in range(opts.requests):
        submission()
    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=30)
    stacks = []
    for line in out.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        stacks.append((frames.split(";"), int(count)))
    total = sum(count for frames, count in stacks if any("submission" in f for f in frames))
    print(f"\n== py-spy: {total} on-CPU samples in the submissions; share of them per stage (the parts overlap)")
    for label, (file_part, function) in STAGES.items():
        hits = sum(
            count
            for frames, count in stacks
            if any(f.split(" (", 1)[0].rsplit(".", 1)[-1] == function and file_part in f for f in frames)
            and any("submission" in f for f in frames)
        )
        print(f"  {label:<50} {100 * hits / max(1, total):5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
