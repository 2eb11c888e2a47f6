# SPDX-License-Identifier: MPL-2.0
"""Load bench: residents and staff at once, with locust, against `make prod-local` at 1,000,000 cases.

    .venv/bin/python bench/load_mix.py [--users 60] [--duration 180] [--generators 1] ...

1. Makes (or reuses) the 1,000,000-case PostgreSQL database `civicloop_bench_inbox`
   (bench/inbox_data.py, `manage.py generate_cases`).
2. Starts the production topology on it exactly as `make prod-local` does (`python -m
   civicloop.ops.prod_local`, the recipe's command): DEBUG off, Redis cache and sessions, JSON logs
   to a file, PROMETHEUS_MULTIPROC_DIR, gunicorn sync workers, a Celery worker and beat; on its own
   port, VAR_DIR and Redis databases, so it never meets another prod-local on the machine.
3. Mints signed-in sessions with that site's keys (residents: a session through the ORM, as
   bench/submit.py; staff: the records a password + TOTP sign-in leaves, on a managed office
   device, as bench/inbox.py) and writes the fixtures bench/locustfile.py reads.
4. Checks every kind of request once by hand, and takes one case through the whole process.
5. Runs locust headless (`--headless -u N -r R -t T --csv`), with `--generators` locust worker
   processes beside its master, and measures the cores each group of processes used.
6. Stops everything and writes bench/results/load.json; prints a summary. Exit status 1 on errors.

See bench/README.md, "Load (mixed residents and staff)".
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import secrets
import shutil
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

from bench import inbox_data, load, services  # noqa: E402
from bench.inbox_data import DB_NAME  # noqa: E402
from bench.load_cpu import (  # noqa: E402
    cores_between,
    cpu_by_process,
    cpu_ms_per_request,
    our_postgres,
    process_groups,
    profile_summary,
    sample_until,
    start_py_spy,
)
from bench.load_site import (  # noqa: E402
    server_problems,
    settle_consumers,
    site_environment,
    start_site,
    stop_site,
    wait_for_site,
)
from bench.report import RESULTS, cpu_model, load_average, now, shown, version_of, write  # noqa: E402
from bench.services import BIN, log  # noqa: E402

TARGET = {"requests_per_s": 300, "p95_ms": 200, "errors": 0}
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
SUBMITTED_PROCEDURE = "sodai-gomi"  # bench/submit.py's answers
SEARCH_WORDS = ["住民票", "転入", "児童手当", "ごみ", "粗大ごみ", "保育園", "印鑑登録", "マイナンバー", "税証明",
                "介護", "国民健康保険", "出生", "引越し", "犬", "子ども 医療費", "戸籍", "年金", "ひとり親"]  # fmt: skip


# --------------------------------------------------------------------------- who signs in, what they open


def csrf_token() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def staff_person(user: Any) -> dict[str, str]:
    """A member of staff signed in with a second factor on a managed office device: cookie and CSRF token."""
    client = inbox_data.signed_in_client(user)
    device = inbox_data.managed_device_cookie(user, client)
    token = csrf_token()
    cookie = "; ".join(filter(None, [f"sessionid={client.cookies['sessionid'].value}", device, f"csrftoken={token}"]))
    return {"username": user.username, "cookie": cookie, "csrf": token}


def residents(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` generated residents at random, each signed in, with their submitted applications' ids."""
    from importlib import import_module

    from django.conf import settings
    from django.db.models import Max, Min

    from civicloop.accounts.models import User
    from civicloop.applications.models import Application

    store = import_module(settings.SESSION_ENGINE).SessionStore
    generated = User.objects.filter(kind=User.Kind.RESIDENT, username__startswith="gen-resident-")
    bounds = generated.aggregate(low=Min("pk"), high=Max("pk"))
    picked = list(generated.filter(pk__in=rng.sample(range(bounds["low"], bounds["high"] + 1), count * 2))[:count])
    own: dict[int, list[str]] = {}
    for applicant, public_id in (
        Application.objects.filter(applicant__in=picked).submitted().values_list("applicant_id", "public_id")
    ):
        own.setdefault(applicant, []).append(str(public_id))
    people = []
    for user in picked:
        session = store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        token = csrf_token()
        people.append({"cookie": f"sessionid={session.session_key}; csrftoken={token}", "csrf": token,
                       "applications": own.get(user.pk, [])[:20]})  # fmt: skip
    return people


def cases_to_process(department: Any, clerks: int, count: int) -> list[dict[str, Any]]:
    """Open cases at 受付, unassigned, that the desk's clerks may work and its 係長 and 課長 can decide."""
    from civicloop.cases.approval import route_for
    from civicloop.cases.models import Case
    from civicloop.core.models import Classification

    rows = (
        Case.objects.filter(department=department, status=Case.Status.NEW, step="intake", assignee__isnull=True)
        .exclude(classification=Classification.TOP_SECRET)
        .values_list("public_id", "application__procedure_version__procedure__code",
                     "application__procedure_version__kind", "application__answers")[: count * 2]
    )  # fmt: skip
    chosen: list[dict[str, Any]] = []
    for public_id, code, kind, answers in rows:
        route = list(route_for(code, kind, answers or {}).levels)
        if set(route) <= {"kakaricho", "kacho"}:
            outcome = "accept" if kind == "notification" else "approve"
            chosen.append({"public_id": str(public_id), "route": route, "outcome": outcome,
                           "clerk": len(chosen) % clerks})  # fmt: skip
    return chosen[:count]


def fixtures(opts: argparse.Namespace) -> dict[str, Any]:
    """Everything the simulated people need, from the site's database (runs in this process)."""
    from civicloop.accounts.models import Position, User
    from civicloop.catalog.models import Procedure
    from civicloop.core.models import Classification

    rng = random.Random(opts.seed)
    reader = inbox_data.bench_clerk()  # a SECRET-cleared clerk of the busiest department (bench/inbox.py)
    department = reader.departments.get()
    staff = User.objects.filter(username__startswith="gen-staff-", departments=department).order_by("username")
    clerks = [reader, *staff.filter(position=Position.CLERK, clearance=Classification.SECRET).exclude(pk=reader.pk)]
    desk = {
        "department": department.code,
        "clerks": [staff_person(u) for u in clerks[: opts.clerks]],
        "approvers": {rank: staff_person(staff.filter(position=rank)[0]) for rank in ("kakaricho", "kacho")},
    }
    published = Procedure.objects.published()
    codes = sorted(published.values_list("code", flat=True))
    departments = sorted(set(published.values_list("department__code", flat=True)))
    browse = ["/procedures/", *(f"/procedures/?department={c}" for c in departments)]
    return {
        "residents": residents(opts.residents, rng),
        "staff": desk,
        "procedures": codes,
        "browse_paths": browse,
        "search_words": SEARCH_WORDS,
        "inbox_paths": inbox_data.inbox_paths(reader),
        "case_paths": inbox_data.case_paths(reader, opts.case_pages),
        "cases_to_process": cases_to_process(department, len(desk["clerks"]), opts.cases_to_process),
        "submission_body": submission_body(),
        "generator_processes": max(1, opts.generators),
    }


def submission_body() -> str:
    from bench.submit import valid_answers

    return json.dumps({"procedure": SUBMITTED_PROCEDURE, "answers": valid_answers(dt.date.today())}, ensure_ascii=False)


# --------------------------------------------------------------------------- by hand, before any load


def request(base: str, method: str, path: str, cookie: str, csrf: str = "", body: bytes | None = None,
            content_type: str = "", key: str = "") -> tuple[int, str]:  # fmt: skip
    headers = {"Cookie": cookie, **({"X-CSRFToken": csrf} if csrf else {})}
    headers |= {"Content-Type": content_type} if content_type else {}
    headers |= {"Idempotency-Key": key} if key else {}

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)  # noqa: S310 - our own server
    try:
        with opener.open(req, timeout=60) as resp:
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def check_by_hand(base: str, fx: dict[str, Any]) -> list[str]:
    """One request of every kind the users send, and one case through claim, 起案 and each 決裁."""
    resident = next(r for r in fx["residents"] if r["applications"])
    clerk, approvers = fx["staff"]["clerks"][0], fx["staff"]["approvers"]
    form = "application/x-www-form-urlencoded"

    def get(path: str, person: dict[str, Any]) -> tuple[str, str, dict[str, Any], int]:
        return ("GET", path, {"cookie": person["cookie"]}, 200)

    def post(path: str, person: dict[str, Any], body: bytes, content_type: str = form, **kw: str) -> Any:
        sent = {"cookie": person["cookie"], "csrf": person["csrf"], "body": body, "content_type": content_type}
        return ("POST", path, sent | kw, 201 if content_type == "application/json" else 302)

    checks = [
        get("/", resident),
        get(fx["browse_paths"][1], resident),
        get("/procedures/?q=%E4%BD%8F%E6%B0%91%E7%A5%A8", resident),
        get(f"/procedures/{fx['procedures'][0]}/", resident),
        get("/applications/", resident),
        get(f"/applications/{resident['applications'][0]}/", resident),
        post(
            "/api/applications",
            resident,
            fx["submission_body"].encode(),
            "application/json",
            key=f"load-by-hand-{secrets.token_hex(8)}",
        ),
        get(fx["inbox_paths"][0], clerk),
        get(fx["case_paths"][0], clerk),
    ]
    case = fx["cases_to_process"].pop()
    page = f"/staff/cases/{case['public_id']}/"
    who = fx["staff"]["clerks"][case["clerk"]]
    checks += [post(page + "claim/", who, b""), post(page + "decision/", who, f"outcome={case['outcome']}".encode())]
    checks += [post(page + "approval/", approvers[rank], b"decision=approve") for rank in case["route"]]
    problems = []
    for method, path, kw, expected in checks:
        status, location = request(base, method, path, **kw)
        if status != expected or "/login/" in location:
            problems.append(f"{method} {path}: {status} {location} (expected {expected})")
    if not problems and not case_closed(case["public_id"]):
        problems.append(f"case {case['public_id']} was not decided after {len(case['route'])} approvals")
    return problems


def case_closed(public_id: str) -> bool:
    from django.db import connections

    from civicloop.cases.models import Case

    closed = Case.objects.filter(public_id=public_id, status=Case.Status.CLOSED).exists()
    connections.close_all()
    return closed


# --------------------------------------------------------------------------- locust and the cores it all used


def locust_commands(opts: argparse.Namespace, base: str, csv_prefix: Path, master_port: int) -> list[list[str]]:
    """The master (or the only process) first, then its `--generators` worker processes."""
    locust = str(BIN / "locust")
    master = [locust, "-f", str(LOCUSTFILE), "--headless", "-u", str(opts.users), "-r", str(opts.spawn_rate),
              "-t", f"{opts.duration}s", "--host", base, "--csv", str(csv_prefix), "--reset-stats",
              "--stop-timeout", "10", "--loglevel", "WARNING", "--only-summary"]  # fmt: skip
    if opts.generators <= 0:
        return [master]
    master += ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port),
               "--expect-workers", str(opts.generators)]  # fmt: skip
    worker = [locust, "-f", str(LOCUSTFILE), "--worker", "--master-host", "127.0.0.1",
              "--master-port", str(master_port), "--loglevel", "WARNING"]  # fmt: skip
    return [master] + [worker] * opts.generators


def run_locust(opts: argparse.Namespace, base: str, run_dir: Path, site: dict[str, int]) -> dict[str, Any]:
    """locust headless; the cores each group used between the end of the ramp and the end of the run."""
    env = {**os.environ, "LOAD_MIX_FIXTURES": str(run_dir / "fixtures.json"), "LOAD_MIX_WAIT": str(opts.wait)}
    csv_prefix = run_dir / "locust"
    procs = []
    with open(run_dir / "locust.log", "wb") as out:
        for cmd in locust_commands(opts, base, csv_prefix, services.free_port()):
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
    ramp = opts.users / opts.spawn_rate + 2
    time.sleep(ramp)
    groups = process_groups(site, [p.pid for p in procs])
    window = max(1.0, opts.duration - ramp - 2)
    spies = start_py_spy(opts.py_spy, groups["gunicorn"] - {site["web"]}, window, run_dir) if opts.py_spy else []
    busy0, total0 = load.machine_busy()
    cpu0, wall0 = cpu_by_process(groups | {"postgres": our_postgres()}), time.monotonic()
    cpu1 = sample_until(wall0 + window, groups)
    wall = time.monotonic() - wall0
    busy1, total1 = load.machine_busy()
    for proc in procs + spies:
        proc.wait(timeout=opts.duration + 120)
    cores = cores_between(cpu0, cpu1, wall)
    busy = (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0)
    cores["other"] = round(max(0.0, busy - sum(cores.values())), 2)
    return {"cores_used": cores, "machine_busy_pct": round(100 * busy / (os.cpu_count() or 1), 1),
            "window_s": round(wall, 1), "stats": read_stats(csv_prefix), "failures": read_failures(csv_prefix),
            "exit_codes": [p.returncode for p in procs],
            "profile": profile_summary(run_dir) if opts.py_spy else None}  # fmt: skip


def read_stats(csv_prefix: Path) -> dict[str, dict[str, Any]]:
    """locust's `<prefix>_stats.csv`: per endpoint and Aggregated, the figures a report keeps."""
    stats = {}
    with open(f"{csv_prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "max_ms": round(float(row["Max Response Time"]), 1),
                "mean_ms": round(float(row["Average Response Time"]), 1),
                "errors": int(row["Failure Count"]),
            }
    return stats


def read_failures(csv_prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{csv_prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [
            {"name": r["Name"], "error": r["Error"][:300], "occurrences": r["Occurrences"]} for r in csv.DictReader(f)
        ]


# --------------------------------------------------------------------------- main


def count_cases() -> int:
    with services.pg_connect(DB_NAME) as conn:
        return int(conn.execute("SELECT count(*) FROM cases_case").fetchone()[0])


def measure(opts: argparse.Namespace, run_dir: Path) -> dict[str, Any]:
    """Start the site, mint the people, check by hand, run locust, stop the site; the raw figures."""
    var_dir = run_dir / "var"
    var_dir.mkdir()
    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    site_proc = start_site(opts, var_dir, port)
    try:
        site = wait_for_site(site_proc, var_dir, base)
        log(f"prod-local answers on {base} (web {site['web']}, worker {site['worker']}, beat {site['beat']})")
        os.environ.pop("CIVICLOOP_DEBUG", None)
        services.setup_django(site_environment(var_dir))
        from django.db import connections

        fx = fixtures(opts)
        connections.close_all()
        log(f"{len(fx['residents'])} residents, {len(fx['staff']['clerks'])} clerks + 係長 + 課長 of "
            f"{fx['staff']['department']}, {len(fx['cases_to_process'])} cases to take through the process")  # fmt: skip
        problems = check_by_hand(base, fx)
        if problems:
            raise RuntimeError("checked by hand:\n  " + "\n  ".join(problems))
        (run_dir / "fixtures.json").write_text(json.dumps(fx, ensure_ascii=False))
        log("every kind of request checked by hand; one case taken through claim, 起案 and 決裁")
        quiet = load.wait_for_quiet(opts.quiet_wait) if opts.quiet_wait > 0 else None
        before = load_average()
        log(
            f"locust: {opts.users} users, {opts.spawn_rate}/s, {opts.duration} s, {opts.generators} generator processes"
        )
        result = run_locust(opts, base, run_dir, site)
        result |= {"loadavg_before": before, "loadavg_after": load_average(), "quiet_wait": quiet}
    finally:
        stop_site(site_proc)
    result["server_log_problems"] = server_problems(var_dir)
    return result


def report_from(
    opts: argparse.Namespace, raw: dict[str, Any], dataset: dict[str, Any], extra: dict[str, Any]
) -> dict[str, Any]:
    total = raw["stats"].pop("Aggregated")
    stack = sum(raw["cores_used"][name] for name in ("gunicorn", "postgres", "celery"))
    errors = total["errors"] + sum(raw["server_log_problems"].values())
    return {
        "requests_per_s": total["requests_per_s"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "errors": errors,
        "requests": total["requests"],
        "target": TARGET,
        "meets_target": total["requests_per_s"] >= TARGET["requests_per_s"]
        and total["p95_ms"] <= TARGET["p95_ms"]
        and errors == 0,
        "endpoints": raw["stats"],
        "failures": raw["failures"],
        "profile": raw["profile"],
        "server_log_problems": raw["server_log_problems"],
        "cores_used": raw["cores_used"],
        "generator_cpu_share": round(raw["cores_used"]["locust"] / max(0.01, sum(raw["cores_used"].values())), 3),
        "server_cpu_ms_per_request": round(1000 * raw["cores_used"]["gunicorn"] / max(0.1, total["requests_per_s"]), 1),
        # gunicorn + PostgreSQL + Celery per request, and what the whole machine would serve at that
        # cost with nothing else on it (no neighbours, the load generator elsewhere): the figure that
        # holds whatever else the shared machine runs.
        "stack_cpu_ms_per_request": round(1000 * stack / max(0.1, total["requests_per_s"]), 1),
        "capacity_per_s_if_alone": round((os.cpu_count() or 1) * total["requests_per_s"] / max(0.01, stack), 1),
        "machine_busy_pct": raw["machine_busy_pct"],
        "users": opts.users,
        "spawn_rate": opts.spawn_rate,
        "think_time_s": f"uniform 0..{opts.wait}",
        "duration_s": opts.duration,
        "measured_window_s": raw["window_s"],
        "generators": opts.generators,
        "topology": f"make prod-local (python -m civicloop.ops.prod_local): {version_of([str(BIN / 'gunicorn'), '--version'])} "
        f"× {opts.workers} sync workers, Celery worker (concurrency 2) + beat, Redis cache and sessions, "
        f"CIVICLOOP_LOG_FORMAT={opts.log_format} (to a file), PROMETHEUS_MULTIPROC_DIR set, DEBUG off",
        "load_generator": f"{version_of([str(BIN / 'locust'), '--version'])}, FastHttpUser, "
        + (f"master + {opts.generators} worker processes" if opts.generators else "one process"),
        "dataset": {**dataset, **extra},
        "machine": {
            "cores": os.cpu_count(),
            "cpu_model": cpu_model(),
            "loadavg_before": raw["loadavg_before"],
            "loadavg_after": raw["loadavg_after"],
            "quiet_wait": raw["quiet_wait"],
        },
        "date": now(),
        "command": " ".join([".venv/bin/python bench/load_mix.py", *sys.argv[1:]]),
    }


def main() -> int:
    opts = parse_args()
    services.ensure_postgres()
    run_dir = Path(tempfile.mkdtemp(prefix="civicloop-bench-load-"))
    (run_dir / "generate").mkdir()
    dataset = inbox_data.ensure_dataset(inbox_data.bench_env(run_dir / "generate"), opts.cases)
    cases_before = count_cases()
    checkpoints = settle_consumers(inbox_data.bench_env(run_dir / "generate"))
    log(f"relay checkpoints: {checkpoints}")
    raw = measure(opts, run_dir)
    with services.pg_connect(DB_NAME) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    extra = {"database": f"PostgreSQL {version} {DB_NAME}", "size": size, "cases_before": cases_before,
             "cases_after": count_cases()}  # fmt: skip
    report = report_from(opts, raw, dataset, extra)
    if report["profile"]:
        report["profile"]["cpu_ms_per_request"] = cpu_ms_per_request(report)
    write(opts.output, report)
    print_summary(report, opts.output)
    if opts.keep:
        log(f"kept {run_dir} (locust CSVs, fixtures, the site's logs)")
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0 if report["errors"] == 0 else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the data set (default 1,000,000)")
    parser.add_argument("--users", type=int, default=60, help="simulated people (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=20, help="people started per second (default 20)")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load, ramp included (default 180)")
    parser.add_argument("--wait", type=float, default=1.0, help="think time: uniform 0..WAIT s between requests")
    parser.add_argument("--generators", type=int, default=1, help="locust worker processes (0: one process)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (prod-local's WEB_WORKERS)")
    parser.add_argument("--log-format", choices=("json", "text"), default="json",
                        help="CIVICLOOP_LOG_FORMAT: json (production: an access line per request) or text (none)")  # fmt: skip
    parser.add_argument("--residents", type=int, default=2000, help="residents signed in (default 2,000)")
    parser.add_argument("--clerks", type=int, default=8, help="SECRET-cleared clerks of the desk (default 8)")
    parser.add_argument("--case-pages", type=int, default=2000, help="different cases the clerks open")
    parser.add_argument("--cases-to-process", type=int, default=3000, help="open cases the desk may decide")
    parser.add_argument("--quiet-wait", type=int, default=30, help="wait up to N s for an idle machine first")
    parser.add_argument("--seed", type=int, default=None, help="which residents sign in (default: new each run)")
    parser.add_argument("--py-spy", default="", metavar="BIN", help="sample the web workers with this py-spy binary")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (CSVs, logs, fixtures)")
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    return parser.parse_args()


def print_summary(report: dict[str, Any], output: Path) -> None:
    print()
    print(f"civicloop mixed load — {report['date']}, {report['users']} users for {report['duration_s']} s, "
          f"{report['dataset'].get('cases_before', 0):,} cases")  # fmt: skip
    print(f"  site        {report['topology']}")
    print(f"  generator   {report['load_generator']}")
    print(f"  {'endpoint':<36} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>6}")
    for name, s in sorted(report["endpoints"].items(), key=lambda kv: -kv[1]["requests"]):
        print(
            f"  {name:<36} {s['requests_per_s']:7.1f} {s['p50_ms']:7.0f} {s['p95_ms']:7.0f} {s['p99_ms']:7.0f} {s['errors']:6d}"
        )
    print(f"  {'all':<36} {report['requests_per_s']:7.1f} {report['p50_ms']:7.0f} {report['p95_ms']:7.0f} "
          f"{report['p99_ms']:7.0f} {report['errors']:6d}")  # fmt: skip
    print(f"  cores       {report['cores_used']} (machine {report['machine_busy_pct']}% busy); "
          f"generator share {report['generator_cpu_share']:.0%}; server CPU {report['server_cpu_ms_per_request']} ms/request")  # fmt: skip
    print(f"  stack CPU   {report['stack_cpu_ms_per_request']} ms/request (gunicorn + PostgreSQL + Celery): "
          f"{report['capacity_per_s_if_alone']}/s if it had the whole machine")  # fmt: skip
    print(f"  target      ≥ {TARGET['requests_per_s']}/s at p95 ≤ {TARGET['p95_ms']} ms, 0 errors: "
          f"{'met' if report['meets_target'] else 'NOT met'}")  # fmt: skip
    m = report["machine"]
    print(f"  load avg    before {m['loadavg_before']}, after {m['loadavg_after']} ({m['cores']} cores)")
    print(f"  written to  {shown(output)}")


if __name__ == "__main__":
    sys.exit(main())
