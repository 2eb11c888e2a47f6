# SPDX-License-Identifier: MPL-2.0
"""Submission benchmark: end-to-end submissions per second through gunicorn + PostgreSQL.

    .venv/bin/python bench/submit.py [--workers 2] [--duration 15] [--rounds 3] ...

Creates a fresh PostgreSQL database, migrates it and loads the catalogue, signs a resident in
(a session made through the ORM), starts gunicorn (WSGI sync workers) with bench.settings, and
drives it with wrk: first a bare one-row INSERT per request (the baseline, /bench/baseline/), then
real submissions (POST /api/applications, sodai-gomi, a unique Idempotency-Key per request),
alternating `--rounds` times. Writes bench/results/submit.json and prints a summary.
Starting and stopping the services is bench/services.py; wrk and the CPU accounting bench/load.py;
the machine, versions and writing the result bench/report.py. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load, services  # noqa: E402
from bench.load import summarise, wait_for_quiet  # noqa: E402
from bench.report import RESULTS, cpu_model, now, shown, version_of, write  # noqa: E402
from bench.services import BASELINE_PATH, BIN, PG_HOST, PG_PORT, log, pg_connect  # noqa: E402

LUA = ROOT / "bench" / "load.lua"
DB_NAME = "civicloop_bench"
DATABASE_URL = services.database_url(DB_NAME)
PROCEDURE = "sodai-gomi"
SUBMIT_PATH = "/api/applications"
# Work a submission leaves to the event relay after its commit (bench/relay_settings.py).
DEFERRED_CONSUMERS = ("cases", "notifications")


# --------------------------------------------------------------------------- the app


def valid_answers(today: dt.date) -> dict[str, Any]:
    """Answers to procedures/sodai-gomi.yaml: a weekday at least two weeks ahead."""
    day = today + dt.timedelta(days=14)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return {
        "applicant": {"family": "山田", "given": "太郎", "family_kana": "ヤマダ", "given_kana": "タロウ"},
        "contact": {"phone": "03-1234-5678"},
        "items": [{"item": "sofa", "quantity": 1, "detail": "3人掛け 幅180cm"}],
        "collection": {
            "address": {
                "postal_code": "150-0042",
                "prefecture": "東京都",
                "city": "渋谷区",
                "town": "宇田川町",
                "block": "1-1",
            },
            "preferred_date": day.isoformat(),
            "place_note": "マンション1階ごみ置き場の横",
        },
    }


def setup_in_django(env: dict[str, str]) -> dict[str, str]:
    """Create the baseline table, a resident and a signed-in session through the ORM."""
    services.setup_django(env)
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, connections

    from civicloop.accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, created_at timestamptz)")
    user = User.objects.create(
        username="bench-resident",
        email="bench-resident@example.invalid",
        kind=User.Kind.RESIDENT,
        full_name="山田 太郎",
        full_name_kana="ヤマダ タロウ",
    )
    user.set_unusable_password()
    user.save()
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    connections.close_all()
    return {"sessionid": session.session_key or "", "csrftoken": csrf, "user_id": str(user.pk)}


def count_rows(table: str) -> int:
    with pg_connect(DB_NAME) as conn:
        count: int = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return count


# --------------------------------------------------------------------------- the relay and requests


def backlog() -> dict[str, int]:
    """What the relay still owes the submissions: events not yet given to each deferred consumer."""
    with pg_connect(DB_NAME) as conn:
        unsequenced = conn.execute("SELECT count(*) FROM core_event WHERE position IS NULL").fetchone()[0]
        found = {"unsequenced": unsequenced}
        for name in DEFERRED_CONSUMERS:
            row = conn.execute("SELECT position FROM relay_consumercursor WHERE name = %s", [name]).fetchone()
            found[name] = (
                unsequenced
                + conn.execute(
                    "SELECT count(*) FROM core_event WHERE position > %s", [row[0] if row else 0]
                ).fetchone()[0]
            )
    return found


def drain(limit: float = 60.0) -> dict[str, Any]:
    """Wait until the relay has caught up with every submission; how long it took."""
    start = time.monotonic()
    left = backlog()
    at_stop = dict(left)
    while any(left[name] for name in DEFERRED_CONSUMERS) and time.monotonic() - start < limit:
        time.sleep(0.2)
        left = backlog()
    return {"at_stop": at_stop, "drained_s": round(time.monotonic() - start, 2), "left": left}


def last_exception(log_dir: Path) -> str:
    """The last exception line the application logged (its tracebacks go to gunicorn's stdout)."""
    path = log_dir / "gunicorn-stdout.log"
    if not path.exists():
        return ""
    lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln and not ln.startswith((" ", "\t"))]
    found = [
        ln for ln in lines if ": " in ln and ln.split(":", 1)[0].rsplit(".", 1)[-1].endswith(("Error", "Exception"))
    ]
    return found[-1] if found else ""


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - our own server
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {"body": exc.read().decode(errors="replace")[:500]}


# --------------------------------------------------------------------------- measuring


def run_wrk(
    wrk: str,
    url: str,
    args: list[str],
    *,
    threads: int,
    connections: int,
    seconds: int,
    gunicorn_pid: int | None = None,
    relay_pid: int | None = None,
) -> dict[str, Any]:
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        *args,
    ]
    return load.run_wrk(cmd, seconds=seconds, gunicorn_pid=gunicorn_pid, relay_pid=relay_pid)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured phase (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each phase (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="baseline+submissions pairs; medians (default 3)")
    parser.add_argument(
        "--quiet-wait", type=int, default=30, help="before each round wait up to N s for an idle machine (default 30)"
    )
    parser.add_argument(
        "--no-relay",
        dest="relay",
        action="store_false",
        help="do not run the event relay beside the server (the deferred work then waits, unmeasured)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "submit.json")
    opts = parser.parse_args()

    with open("/proc/loadavg") as f:
        loadavg_at_start = [float(v) for v in f.read().split()[:3]]
    wrk = services.ensure_wrk()
    services.ensure_postgres()
    db_info = services.recreate_database(DB_NAME)
    log(f"fresh database {DB_NAME} on PostgreSQL {db_info['server_version']}")
    var_dir = Path(tempfile.mkdtemp(prefix="civicloop-bench-"))
    env = services.bench_env(var_dir, DATABASE_URL)
    proc: subprocess.Popen[bytes] | None = None
    relay: subprocess.Popen[bytes] | None = None
    failed = True
    try:
        services.manage(env, "migrate", "--noinput", "-v0")
        services.manage(env, "load_catalog")
        auth = setup_in_django(env)
        answers = valid_answers(dt.date.today())
        sub_body = json.dumps({"procedure": PROCEDURE, "answers": answers}, ensure_ascii=False).encode()
        (var_dir / "submit.json").write_bytes(sub_body)
        (var_dir / "baseline.json").write_bytes(b"{}")
        cookies = {
            "Cookie": f"sessionid={auth['sessionid']}; csrftoken={auth['csrftoken']}",
            "X-CSRFToken": auth["csrftoken"],
        }

        port = services.free_port()
        base = f"http://127.0.0.1:{port}"
        proc = services.start_gunicorn(env, port, opts.workers, var_dir)
        services.wait_ready(base, proc)
        log(f"gunicorn ({opts.workers} sync workers) answers on {base}")
        relay = services.start_relay(env, var_dir) if opts.relay else None

        # One request of each by hand before any load.
        status, body = post(base + BASELINE_PATH, b"{}", {})
        if status != 201:
            raise RuntimeError(f"baseline answered {status}: {body}")
        status, body = post(base + SUBMIT_PATH, sub_body, {**cookies, "Idempotency-Key": "bench-by-hand-0001"})
        if status != 201 or not body.get("receipt_number"):
            raise RuntimeError(f"submission answered {status}: {last_exception(var_dir) or body}")
        log(f"by hand: baseline 201, submission 201 receipt {body['receipt_number']}")
        status, again = post(base + SUBMIT_PATH, sub_body, {**cookies, "Idempotency-Key": "bench-by-hand-0001"})
        if status != 200 or again.get("receipt_number") != body["receipt_number"]:
            raise RuntimeError(f"repeating the Idempotency-Key answered {status}: {again}")

        phases = {
            "baseline": (base + BASELINE_PATH, [str(var_dir / "baseline.json")], "bench_baseline"),
            "submissions": (
                base + SUBMIT_PATH,
                [str(var_dir / "submit.json"), auth["sessionid"], auth["csrftoken"]],
                "applications_application",
            ),
        }
        rounds: list[dict[str, Any]] = []
        verification: dict[str, Any] = {"baseline": [], "submissions": []}
        load = {"threads": opts.threads, "connections": opts.connections}
        for number in range(1, opts.rounds + 1):
            this_round: dict[str, Any] = {"round": number}
            if opts.quiet_wait > 0:
                this_round["quiet_wait"] = wait_for_quiet(opts.quiet_wait)
            for name, (url, args, table) in phases.items():
                if opts.warmup > 0:
                    run_wrk(wrk, url, args, seconds=opts.warmup, **load)
                time.sleep(0.5)  # let requests cut off by wrk finish
                if relay is not None and name == "submissions":
                    drain()  # the warm-up's events: not this phase's work
                rows_before = count_rows(table)
                raw = run_wrk(
                    wrk,
                    url,
                    args,
                    seconds=opts.duration,
                    gunicorn_pid=proc.pid,
                    relay_pid=relay.pid if relay is not None else None,
                    **load,
                )
                relay_after = drain() if relay is not None and name == "submissions" else None
                time.sleep(1.0)
                rows_after = count_rows(table)
                result = summarise(raw)
                result["rows_inserted"] = rows_after - rows_before
                if relay_after is not None:
                    # What the relay still owed when wrk stopped, and how long it took to catch up.
                    result["relay_backlog"] = relay_after
                this_round[name] = result
                # wrk stops counting at the deadline; up to `connections` requests were still in flight
                # and the server finishes them, so rows may exceed the 2xx count by at most that.
                extra = result["rows_inserted"] - result["ok_2xx"]
                verification[name].append(
                    {"rows": result["rows_inserted"], "ok_2xx": result["ok_2xx"], "in_flight_at_stop": extra}
                )
                log(
                    f"round {number} {name:<11} {result['per_s']:8.1f}/s  p50 {result['p50_ms']:6.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  rows {result['rows_inserted']} "
                    f"(2xx {result['ok_2xx']})  cores {result['cores_used']}"
                )
            this_round["ratio"] = round(
                this_round["submissions"]["per_s"] / max(0.1, this_round["baseline"]["per_s"]), 3
            )
            rounds.append(this_round)
        total_apps = count_rows("applications_application")
        with pg_connect(DB_NAME) as conn:
            submitted = conn.execute(
                "SELECT count(*) FROM applications_application WHERE status = 'submitted' AND receipt_number IS NOT NULL"
            ).fetchone()[0]
            audit_rows = conn.execute("SELECT count(*) FROM core_auditentry").fetchone()[0]
            # What the relay did after each commit, checked once it has caught up.
            cases_without_process = conn.execute(
                "SELECT count(*) FROM cases_case WHERE workflow_state IS NULL"
            ).fetchone()[0]
            receipt_notices = conn.execute(
                "SELECT count(DISTINCT subject) FROM notifications_message WHERE template_code = 'application.received'"
            ).fetchone()[0]
        failed = False
    finally:
        if relay is not None:
            services.stop_relay(relay)
        if proc is not None:
            services.stop_gunicorn(proc)
            err_log = var_dir / "gunicorn-error.log"
            if err_log.exists() and err_log.stat().st_size:
                tail = err_log.read_text(errors="replace")[-3000:]
                log(f"gunicorn error log (tail):\n{tail}")
        if failed:
            log(f"kept {var_dir} (gunicorn-stdout.log has the application's own log and tracebacks)")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)

    def med(name: str, key: str) -> float:
        return round(float(statistics.median(r[name][key] for r in rounds)), 2)

    sub_rate, base_rate = med("submissions", "per_s"), med("baseline", "per_s")
    # CPU other processes used during the measured phases (median); 2 cores are shared with them.
    other_cores = round(statistics.median(r[n]["cores_used"]["other"] for r in rounds for n in phases), 2)
    all_ok = all(
        abs(v["in_flight_at_stop"]) <= opts.connections and v["in_flight_at_stop"] >= 0
        for vs in verification.values()
        for v in vs
    )
    # Every submission's deferred work done once the relay caught up (nothing lost).
    deferred_ok = not opts.relay or (cases_without_process == 0 and receipt_notices == submitted)

    def med_cores(group: str) -> float:
        return round(float(statistics.median(r["submissions"]["cores_used"].get(group, 0.0) for r in rounds)), 2)

    report = {
        "submissions_per_s": sub_rate,
        "p50_ms": med("submissions", "p50_ms"),
        "p99_ms": med("submissions", "p99_ms"),
        "baseline_per_s": base_rate,
        "baseline_p50_ms": med("baseline", "p50_ms"),
        "baseline_p99_ms": med("baseline", "p99_ms"),
        "ratio": round(sub_rate / base_rate, 3) if base_rate else None,
        "ratio_per_round": [r["ratio"] for r in rounds],
        # Issue 12: ratio ≥ 0.25 first, on the way to 0.35.
        "target": {"ratio": 0.25, "ratio_next": 0.35},
        "meets_target": base_rate > 0 and sub_rate / base_rate >= 0.25 and deferred_ok,
        "relay": {
            "ran": opts.relay,
            "settings": "bench.relay_settings",
            "consumers": list(DEFERRED_CONSUMERS),
            "note": "manage.py relay_events beside gunicorn: after each submission commits it starts the "
            "case's process instance and queues the receipt notice; its CPU is cores_used.relay",
            "cores_median": med_cores("relay"),
            "backlog_at_stop_median": statistics.median(
                max(r["submissions"]["relay_backlog"]["at_stop"][n] for n in DEFERRED_CONSUMERS) for r in rounds
            )
            if opts.relay
            else None,
            "drained_s_max": max(r["submissions"]["relay_backlog"]["drained_s"] for r in rounds)
            if opts.relay
            else None,
        },
        "errors": sum(r["submissions"]["errors"] for r in rounds),
        "baseline_errors": sum(r["baseline"]["errors"] for r in rounds),
        "database": (
            f"PostgreSQL {db_info['server_version']} at {PG_HOST}:{PG_PORT}/{DB_NAME} "
            f"(synchronous_commit={db_info['synchronous_commit']}, fsync={db_info['fsync']}, "
            f"shared_buffers={db_info['shared_buffers']})"
        ),
        "server": f"{version_of([str(BIN / 'gunicorn'), '--version'])}, sync workers, bench.settings (DEBUG off)",
        "cache": env["CIVICLOOP_CACHE_URL"] or "each worker's memory (no Redis answered)",
        "workers": opts.workers,
        "load_generator": version_of([wrk, "--version"]).split(" [")[0],
        "threads": opts.threads,
        "connections": opts.connections,
        "duration_s": opts.duration,
        "warmup_s": opts.warmup,
        "rounds_run": opts.rounds,
        "procedure": PROCEDURE,
        "endpoints": {"submissions": f"POST {SUBMIT_PATH}", "baseline": f"POST {BASELINE_PATH}"},
        "verification": {
            "rows_match_2xx": all_ok,
            "note": "rows inserted minus 2xx counted by wrk; requests in flight when wrk stops are "
            "finished by the server but not counted, so 0..connections is expected",
            **verification,
            "applications_total": total_apps,
            "applications_submitted": submitted,
            "audit_entries": audit_rows,
            "cases_without_process": cases_without_process,
            "applications_with_receipt_notice": receipt_notices,
        },
        "rounds": rounds,
        "machine": {
            "cores": os.cpu_count(),
            "cpu_model": cpu_model(),
            "kernel": platform.release(),
            "python": platform.python_version(),
            "loadavg_at_start": loadavg_at_start,
            "other_processes_cores": other_cores,
        },
        "date": now(),
        "command": " ".join([".venv/bin/python bench/submit.py", *sys.argv[1:]]),
    }
    write(opts.output, report)

    print()
    print(f"civicloop submission benchmark — {report['date']}")
    print(f"  machine      {report['machine']['cores']} cores, {report['machine']['cpu_model']}")
    print(f"  stack        {report['server']}, {opts.workers} workers; {report['database']}")
    print(
        f"  load         wrk -t{opts.threads} -c{opts.connections}, {opts.duration:g} s × {opts.rounds} rounds (medians)"
    )
    print(
        f"  submissions  {sub_rate:8.1f}/s   p50 {report['p50_ms']:.2f} ms   p99 {report['p99_ms']:.2f} ms   errors {report['errors']}"
    )
    print(
        f"  baseline     {base_rate:8.1f}/s   p50 {report['baseline_p50_ms']:.2f} ms   p99 {report['baseline_p99_ms']:.2f} ms   errors {report['baseline_errors']}"
    )
    print(
        f"  ratio        {report['ratio']}   per round {report['ratio_per_round']}   (target ≥ 0.25: {'met' if report['meets_target'] else 'NOT met'})"
    )
    if opts.relay:
        print(
            f"  relay        {report['relay']['cores_median']} cores during submissions; backlog at stop "
            f"{report['relay']['backlog_at_stop_median']} events, caught up within {report['relay']['drained_s_max']} s; "
            f"{cases_without_process} cases without process, {receipt_notices}/{submitted} receipt notices"
        )
    print(f"  rows check   {'ok' if all_ok else 'MISMATCH'}: {submitted} submitted applications in the database")
    if other_cores > 0.1:
        print(
            f"  NOTE         other processes used {other_cores} cores during the phases (of {os.cpu_count()}); figures are depressed"
        )
    print(f"  written to   {shown(opts.output)}")
    return 0 if all_ok and deferred_ok and report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
