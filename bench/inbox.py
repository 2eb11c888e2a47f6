# SPDX-License-Identifier: MPL-2.0
"""Inbox benchmark: the staff inbox and the case page through HTTP at 1,000,000 cases.

    .venv/bin/python bench/inbox.py [--cases 1000000] [--duration 15] [--rounds 3] ...

Generates the cases once into the PostgreSQL database `civicloop_bench_inbox` (migrate,
load_catalog, `manage.py generate_cases`; reused while it holds the same count and seed), signs a
generated clerk in (a session made with the test client's force_login, sent as a cookie), starts
gunicorn (2 WSGI sync workers, bench.settings) and drives it with wrk: a rotating mix of typical
inbox filters, then case pages of many different cases, then the bare one-INSERT baseline. In the
same process it counts the SQL queries of each page over many different pages and cases (they
must not grow with the rows shown), and measures workflow throughput beside a bare status update.
Writes bench/results/inbox.json and prints a summary. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import submit  # noqa: E402
from bench.submit import log  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# Another database name for a second copy beside the usual one (sessions sharing a machine).
DB_NAME = os.environ.get("CIVICLOOP_BENCH_INBOX_DB", "civicloop_bench_inbox")
DATABASE_URL = f"postgres://{submit.PG_USER}@{submit.PG_HOST}:{submit.PG_PORT}/{DB_NAME}"
SEED = 1
TARGET = {"p50_ms": 50, "p99_ms": 150}

# wrk script: GET (or POST) a rotating list of paths with the session cookie; one JSON line at the end.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  cookie, method = args[2], args[3] or "GET"
  index = (tid * 7919) % #paths
  statuses, non2xx = {}, 0
end
function request()
  index = index % #paths + 1
  return wrk.format(method, paths[index], {["Cookie"] = cookie}, method == "POST" and "{}" or nil)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 200) .. "\n") end
  end
end
function done(summary, latency, requests)
  local bad, merged, codes = 0, {}, {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    for code, n in pairs(t:get("statuses")) do merged[code] = (merged[code] or 0) + n end
  end
  for code, n in pairs(merged) do codes[#codes + 1] = string.format('"%d": %d', code, n) end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes, bad, table.concat(codes, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


# --------------------------------------------------------------------------- the data set


def bench_env(var_dir: Path) -> dict[str, str]:
    env = submit.bench_env(var_dir)
    env["DATABASE_URL"] = DATABASE_URL
    return env


def dataset_marker() -> dict[str, Any] | None:
    """What `generate_cases` left in the bench database last time, if the database exists."""
    try:
        with submit.pg_connect(DB_NAME) as conn:
            row = conn.execute("SELECT cases, seed, generate_s FROM bench_dataset").fetchone()
            count = conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    except Exception:
        return None
    return {"cases": row[0], "seed": row[1], "generate_s": row[2], "rows": count} if row else None


def ensure_dataset(env: dict[str, str], cases: int, *, fresh: bool = False) -> dict[str, Any]:
    """The bench database with `cases` generated cases: reused when it has them, else made anew."""
    marker = None if fresh else dataset_marker()
    # The workflow measurement adds a few hundred cases of its own each run; they do not count.
    if marker and marker["cases"] == cases and marker["seed"] == SEED and cases <= marker["rows"] <= cases * 1.01:
        log(f"reusing {DB_NAME}: {cases:,} cases generated earlier ({marker['generate_s']:.0f} s); migrating")
        submit.manage(env, "migrate", "--noinput", "-v0")
        return {"reused": True, "generate_s": marker["generate_s"]}
    with submit.pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    submit.manage(env, "migrate", "--noinput", "-v0")
    submit.manage(env, "load_catalog")
    log(f"generating {cases:,} cases (manage.py generate_cases --cases {cases} --seed {SEED})")
    started = time.monotonic()
    submit.manage(env, "generate_cases", "--cases", str(cases), "--seed", str(SEED))
    seconds = round(time.monotonic() - started, 1)
    with submit.pg_connect(DB_NAME) as conn:
        conn.execute("CREATE TABLE bench_dataset (cases bigint, seed int, generate_s float, at timestamptz)")
        conn.execute("INSERT INTO bench_dataset VALUES (%s, %s, %s, now())", [cases, SEED, seconds])
    return {"reused": False, "generate_s": seconds}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update({k: env[k] for k in env if k.startswith(("CIVICLOOP_", "DATABASE_URL", "DJANGO_"))})
    import django

    django.setup()


def bench_clerk() -> Any:
    """A SECRET-cleared clerk of the department with the most cases (where a scan costs the most)."""
    from django.db.models import Count

    from civicloop.accounts.models import Department, Position, User
    from civicloop.cases.models import Case
    from civicloop.core.models import Classification

    busiest = (
        Case.objects.values("department").annotate(n=Count("id")).order_by("-n").values_list("department", flat=True)
    )[0]
    department = Department.objects.get(pk=busiest)
    return User.objects.filter(
        username__startswith="gen-staff-",
        departments=department,
        position=Position.CLERK,
        clearance=Classification.SECRET,
    ).order_by("username")[0]


def staff_context() -> Any:
    """The policy context of the clerk's requests: a managed, compliant office device."""
    from civicloop.classification.policy import Context, DeviceTrust

    return Context(device_trust=DeviceTrust.MANAGED)


def managed_device_cookie(clerk: Any, client: Any) -> str:
    """Register the clerk's office laptop (managed), check it in as compliant and bind the session to it.

    Returns the signed device cookie as `name=value` ("" when the tree has no device registry):
    without it the policy treats the clerk's browser as an unknown device and shows OFFICIAL only.
    """
    try:
        from civicloop.devices import actions
        from civicloop.devices.api import PostureIn, posture_from
        from civicloop.devices.models import Device
        from civicloop.devices.sessions import SESSION_KEY, set_device_cookie
    except ImportError:
        return ""
    from django.conf import settings
    from django.http import HttpResponse
    from django.utils import timezone

    from civicloop.accounts.models import Role, User

    admin, _created = User.objects.get_or_create(
        username="gen-bench-admin", defaults={"kind": User.Kind.STAFF, "roles": [Role.ADMINISTRATOR.value]}
    )
    device = Device.objects.active().filter(owner=clerk, name="bench office laptop").first()
    if device is None:
        device, _token = actions.register_device(
            owner=clerk, kind=Device.Kind.MANAGED, name="bench office laptop", platform="windows", registered_by=admin
        )
    posture = PostureIn(
        os="Windows", os_version="11 23H2", patch_level=timezone.localdate(), disk_encrypted=True,
        screen_lock=True, jailbroken=False, agent_version="civicloop-bench/1",
    )  # fmt: skip
    actions.check_in_device(device=device, posture=posture_from(posture))
    session = client.session
    session[SESSION_KEY] = str(device.public_id)
    session.save()
    response = HttpResponse()
    set_device_cookie(response, device)
    value = response.cookies[settings.DEVICE_COOKIE_NAME].value
    client.cookies[settings.DEVICE_COOKIE_NAME] = value
    return f"{settings.DEVICE_COOKIE_NAME}={value}"


def signed_in_client(clerk: Any) -> Any:
    """A test client with the clerk signed in, without the password or TOTP forms.

    Staff need a second factor: `civicloop.accounts.testing.sign_in_with_mfa` writes the session
    records the real sign-in writes. Without it (an older tree) a plain force_login is enough.
    """
    from django.test import Client

    client = Client()
    try:
        from civicloop.accounts.testing import sign_in_with_mfa
    except ImportError:
        client.force_login(clerk)
    else:
        sign_in_with_mfa(client, clerk)
    return client


def inbox_paths(clerk: Any) -> list[str]:
    """Typical inbox views of a clerk: the default list and its pages, the usual filters, a receipt lookup."""
    from django.db.models import Count

    from civicloop.cases.models import Case

    visible = Case.objects.visible_to(clerk, staff_context())
    procedure = (
        visible.open()
        .values("application__procedure_version__procedure__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("application__procedure_version__procedure__code", flat=True)[0]
    )
    receipt = visible.order_by("-arrived_at").values_list("application__receipt_number", flat=True)[7]
    base = "/staff/inbox/"
    return [
        base,
        f"{base}?page=2",
        f"{base}?page=5",
        f"{base}?status=in_review",
        f"{base}?sla=overdue",
        f"{base}?sla=due_soon",
        f"{base}?assignee=none",
        f"{base}?assignee=me",
        f"{base}?procedure={procedure}",
        f"{base}?step=review",
        f"{base}?sort=-arrived",
        f"{base}?q={receipt}",
    ]


def case_paths(clerk: Any, count: int) -> list[str]:
    """Pages of `count` different cases the clerk may open: half open, half closed, spread over the ids."""
    from django.db.models.functions import Random

    from civicloop.cases.models import Case

    visible = Case.objects.visible_to(clerk, staff_context())
    open_ids = list(visible.open().order_by(Random()).values_list("public_id", flat=True)[: count // 2])
    closed = visible.filter(status=Case.Status.CLOSED)
    # A random sample without sorting a million rows: evenly spaced primary keys.
    top = closed.order_by("-pk").values_list("pk", flat=True)[0]
    step = max(1, top // count)
    closed_ids = list(
        closed.filter(pk__in=range(1, top + 1, step)).values_list("public_id", flat=True)[: count - len(open_ids)]
    )
    return [f"/staff/cases/{public_id}/" for public_id in open_ids + closed_ids]


# --------------------------------------------------------------------------- in-process checks


def count_queries(client: Any, paths: list[str], group_of: dict[str, str] | None = None) -> dict[str, Any]:
    """SQL queries and server time per request, each path once after one warm-up request.

    `group_of` names what a page's query count may legitimately depend on (a case page writes an
    audit entry for SECRET and above, and shows the forms its step allows); within a group the
    count must not vary, however many history rows or related cases a page shows.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(paths[0])
    counts, times, slowest = [], [], []
    groups: dict[str, set[int]] = {}
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        counts.append(len(captured.captured_queries))
        groups.setdefault((group_of or {}).get(path, "all"), set()).add(counts[-1])
        times.append(elapsed)
        slowest += [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    slowest.sort(reverse=True)
    return {
        "pages": len(paths),
        "min": min(counts),
        "max": max(counts),
        "by_group": {name: sorted(found) for name, found in sorted(groups.items())},
        "constant": all(len(found) == 1 for found in groups.values()),
        "server_ms_median": round(statistics.median(times), 1),
        "slowest_queries": [{"ms": round(ms, 1), "sql": sql[:600]} for ms, sql in slowest[:3]],
    }


def case_groups(paths: list[str], viewer: Any) -> dict[str, str]:
    """What each case page's query count depends on: classification, kind, status, step, the viewer's role."""
    from civicloop.cases.models import Case

    ids = [path.rstrip("/").rsplit("/", 1)[1] for path in paths]
    groups = {}
    for case in Case.objects.filter(public_id__in=ids).select_related("application__procedure_version"):
        mine = "assigned to the viewer" if case.assignee_id == viewer.pk else ""
        kind = case.application.procedure_version.kind  # a 届出 (notification) has no 合議 form
        parts = [case.classification, kind, case.status, getattr(case, "step", ""), mine]
        groups[f"/staff/cases/{case.public_id}/"] = " ".join(p for p in parts if p)
    return groups


def per_filter_times(client: Any, paths: list[str], repeat: int = 5) -> dict[str, float]:
    """Median in-process time of each inbox path (which filters cost what)."""
    result = {}
    for path in paths:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        result[path] = round(statistics.median(samples), 1)
    return result


def workflow_throughput(n: int) -> dict[str, Any]:
    """Cases taken through a whole default process per second (bench/workflow.py), on this data set."""
    from bench.workflow import run_default_process

    started = time.perf_counter()
    rate = run_default_process(n)
    return {
        "workflow_cases_per_s": round(rate, 1),
        "function": f"bench.workflow.run_default_process({n})",
        "seconds": round(time.perf_counter() - started, 1),
    }


def baseline_updates(n: int) -> dict[str, Any]:
    """A bare `UPDATE cases_case SET status = … WHERE id = …` per case, each committed on its own.

    Takes `n` open cases to `closed` one statement at a time (autocommit), then puts them back in
    one statement, so the data set stays as generated.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status FROM cases_case WHERE status IN ('new', 'in_review') ORDER BY id LIMIT %s", [n]
        )
        rows = cursor.fetchall()
        started = time.perf_counter()
        for case_id, _status in rows:
            cursor.execute("UPDATE cases_case SET status = 'closed' WHERE id = %s", [case_id])
        seconds = time.perf_counter() - started
        cursor.execute(
            "UPDATE cases_case SET status = v.status FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS status) v "
            "WHERE cases_case.id = v.id",
            [[r[0] for r in rows], [r[1] for r in rows]],
        )
    return {"baseline_updates_per_s": round(len(rows) / seconds, 1), "updates": len(rows), "seconds": round(seconds, 2)}


# --------------------------------------------------------------------------- HTTP


def run_wrk(wrk: str, script: Path, base: str, paths_file: Path, cookie: str, *, method: str = "GET",
            seconds: int, connections: int, gunicorn_pid: int) -> dict[str, Any]:  # fmt: skip
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base, "--",
           str(paths_file), cookie, method]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    busy0, total0 = submit.machine_busy()
    before = submit.cpu_snapshot(gunicorn_pid, proc.pid)
    wall0 = time.monotonic()
    time.sleep(max(0.0, seconds - 0.3))
    after = submit.cpu_snapshot(gunicorn_pid, proc.pid)
    busy1, total1 = submit.machine_busy()
    wall = time.monotonic() - wall0
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err}\n{out}")
    raw = json.loads(next(ln for ln in reversed(out.splitlines()) if ln.startswith("{")))
    if err.strip():
        raw["stderr"] = err.strip()[:1000]
    cores = {g: sum(cpu - before[g].get(pid, 0.0) for pid, cpu in after[g].items()) / wall for g in after}
    busy = (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0)
    cores["other"] = max(0.0, busy - sum(cores.values()))
    raw["cores_used"] = {k: round(v, 2) for k, v in cores.items()}
    raw["machine_busy_pct"] = round(100 * busy / (os.cpu_count() or 1), 1)
    return submit.summarise(raw)


def check_by_hand(base: str, cookie: str, inbox: list[str], cases: list[str]) -> None:
    """One request of each before any load: both pages answer 200 with the clerk's content."""
    import urllib.request

    for path, marker in ((inbox[0], b"<table"), (cases[0], b"<h1")):
        req = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310 - our own server
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            body = resp.read()
            if resp.status != 200 or marker not in body or b"/staff/login/" in resp.url.encode():
                raise RuntimeError(f"{path} answered {resp.status} at {resp.url} without the expected page")


# --------------------------------------------------------------------------- the same run, another revision


def checkout(ref: str) -> tuple[Path, str]:
    """A temporary detached worktree of git revision `ref` (removed by `remove_checkout`), and its commit."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    tree = Path(tempfile.mkdtemp(prefix="civicloop-bench-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), commit], cwd=ROOT, check=True)
    return tree, commit


def remove_checkout(tree: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    shutil.rmtree(tree.parent, ignore_errors=True)


def start_gunicorn_in(tree: Path, env: dict[str, str], port: int, workers: int, log_dir: Path) -> Any:
    """gunicorn as bench/submit.py starts it, serving the code of another checkout (same database, keys, session)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [str(submit.BIN / "gunicorn"), "config.wsgi:application", "--chdir", str(tree), "--bind", f"127.0.0.1:{port}",
           "--worker-class", "sync", "--workers", str(workers), "--log-level", "warning",
           "--error-logfile", str(log_dir / "gunicorn-error.log")]  # fmt: skip
    out = open(log_dir / "gunicorn-stdout.log", "wb")  # noqa: SIM115 - closed with the process
    tree_env = {**env, "PYTHONPATH": str(tree), "CIVICLOOP_VAR_DIR": str(log_dir)}
    return subprocess.Popen(cmd, cwd=tree, env=tree_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def measure_http(opts: argparse.Namespace, env: dict[str, str], var_dir: Path, cookie: str,
                 inbox: list[str], cases: list[str], before: Path | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Rounds of inbox, case page and baseline; with `before` (a checkout), its inbox and case page too.

    The two servers take turns within each round (which goes first alternates), so a busy moment
    on the shared machine falls on both alike.
    """
    wrk = submit.ensure_wrk()
    script = var_dir / "paths.lua"
    script.write_text(WRK_SCRIPT)
    files = {}
    for name, paths in (("inbox", inbox), ("case_page", cases), ("baseline", [submit.BASELINE_PATH])):
        files[name] = var_dir / f"{name}.txt"
        files[name].write_text("\n".join(paths) + "\n")
    port = submit.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = submit.start_gunicorn(env, port, opts.workers, var_dir)
    servers = {"": (base, proc)}
    if before is not None:
        other_port = submit.free_port()
        servers["_before"] = (f"http://127.0.0.1:{other_port}",
                              start_gunicorn_in(before, env, other_port, opts.workers, var_dir / "before"))  # fmt: skip
    rounds: list[dict[str, Any]] = []
    try:
        for url, server in servers.values():
            submit.wait_ready(url, server)
            check_by_hand(url, cookie, inbox, cases)
        log(f"gunicorn ({opts.workers} sync workers) answers on {', '.join(u for u, _p in servers.values())}; "
            "inbox and case page checked by hand")  # fmt: skip
        for number in range(1, opts.rounds + 1):
            this: dict[str, Any] = {"round": number}
            if opts.quiet_wait > 0:
                this["quiet_wait"] = submit.wait_for_quiet(opts.quiet_wait)
            this["loadavg"] = [round(v, 2) for v in os.getloadavg()]  # other sessions share the machine
            order = list(servers) if number % 2 else list(reversed(servers))
            phases = [(page, which) for page in ("inbox", "case_page") for which in order] + [("baseline", "")]
            for page, which in phases:
                url, server = servers[which]
                method = "POST" if page == "baseline" else "GET"
                load = {"seconds": opts.duration, "connections": opts.connections, "gunicorn_pid": server.pid}
                if opts.warmup > 0:
                    run_wrk(wrk, script, url, files[page], cookie, method=method, **{**load, "seconds": opts.warmup})
                this[page + which] = result = run_wrk(wrk, script, url, files[page], cookie, method=method, **load)
                log(
                    f"round {number} {page + which:<16} {result['per_s']:7.1f}/s  p50 {result['p50_ms']:7.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  cores {result['cores_used']}"
                )
            rounds.append(this)
    finally:
        for _url, server in servers.values():
            submit.stop_gunicorn(server)
    return rounds


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the data set (default 1,000,000)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data set even if it is there")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections (default 2: one per worker)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured phase (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each phase (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of inbox, case page, baseline (default 3)")
    parser.add_argument("--quiet-wait", type=int, default=30, help="wait up to N s for an idle machine per round")
    parser.add_argument("--case-pages", type=int, default=2000, help="different cases the case-page phase opens")
    parser.add_argument("--workflow-cases", type=int, default=200, help="n for bench.workflow.run_default_process(n)")
    parser.add_argument("--baseline-updates", type=int, default=2000, help="bare status updates to time")
    parser.add_argument("--output", type=Path, default=RESULTS / "inbox.json")
    parser.add_argument("--compare", metavar="REF", default="",
                        help="also serve git revision REF (a temporary worktree) and measure it in the same rounds")  # fmt: skip
    opts = parser.parse_args()

    with open("/proc/loadavg") as f:
        loadavg_at_start = [float(v) for v in f.read().split()[:3]]
    submit.ensure_postgres()
    var_dir = Path(tempfile.mkdtemp(prefix="civicloop-bench-inbox-"))
    env = bench_env(var_dir)
    dataset = ensure_dataset(env, opts.cases, fresh=opts.fresh)
    with submit.pg_connect(DB_NAME) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, created_at timestamptz)")
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    setup_django(env)
    from django.db import connections

    clerk = bench_clerk()
    client = signed_in_client(clerk)
    device_cookie = managed_device_cookie(clerk, client)
    cookie = "; ".join(filter(None, [f"sessionid={client.cookies['sessionid'].value}", device_cookie]))
    inbox = inbox_paths(clerk)
    cases = case_paths(clerk, opts.case_pages)
    log(f"clerk {clerk.username} ({clerk.clearance}); {len(inbox)} inbox views, {len(cases)} case pages")
    queries = {
        "inbox_pages": count_queries(client, ["/staff/inbox/"] + [f"/staff/inbox/?page={p}" for p in range(2, 11)]),
        "inbox_filters": count_queries(client, inbox),
        "case_page": count_queries(client, cases[:100] + cases[-100:], case_groups(cases[:100] + cases[-100:], clerk)),
    }
    filters_ms = per_filter_times(client, inbox)
    connections.close_all()
    before, before_commit = checkout(opts.compare) if opts.compare else (None, "")
    try:
        rounds = measure_http(opts, env, var_dir, cookie, inbox, cases, before)
    finally:
        if before is not None:
            remove_checkout(before)
    workflow = workflow_throughput(opts.workflow_cases)
    baseline = baseline_updates(opts.baseline_updates)
    connections.close_all()
    shutil.rmtree(var_dir, ignore_errors=True)

    def med(name: str, key: str) -> float:
        if key == "cpu_ms":  # the server's CPU per request: what the code costs, whoever else runs
            return round(
                statistics.median(1000 * r[name]["cores_used"]["gunicorn"] / r[name]["per_s"] for r in rounds), 1
            )
        return round(statistics.median(r[name][key] for r in rounds), 2)

    report = {
        "cases": opts.cases,
        "inbox_p50_ms": med("inbox", "p50_ms"),
        "inbox_p99_ms": med("inbox", "p99_ms"),
        "case_page_p50_ms": med("case_page", "p50_ms"),
        "case_page_p99_ms": med("case_page", "p99_ms"),
        "queries_per_request": {
            "inbox": queries["inbox_pages"]["max"],
            "case_page": queries["case_page"]["max"],
            "case_page_by_classification_status_step": queries["case_page"]["by_group"],
            "constant": all(q["constant"] for q in (queries["inbox_pages"], queries["case_page"])),
        },
        "workflow_cases_per_s": workflow["workflow_cases_per_s"],
        "baseline_updates_per_s": baseline["baseline_updates_per_s"],
        "target": TARGET,
        "meets_target": all(
            med(n, "p50_ms") <= TARGET["p50_ms"] and med(n, "p99_ms") <= TARGET["p99_ms"]
            for n in ("inbox", "case_page")
        ),
        "throughput_per_s": {n: med(n, "per_s") for n in ("inbox", "case_page", "baseline")},
        "server_cpu_ms_per_request": {n: med(n, "cpu_ms") for n in ("inbox", "case_page", "baseline")},
        "http_baseline": {
            "endpoint": f"POST {submit.BASELINE_PATH} (one INSERT)",
            "p50_ms": med("baseline", "p50_ms"),
            "p99_ms": med("baseline", "p99_ms"),
        },
        "errors": sum(r[n]["errors"] for r in rounds for n in r if isinstance(r[n], dict) and "errors" in r[n]),
        "compare": compare_report(opts.compare, before_commit, rounds, med) if opts.compare else None,
        "queries": queries,
        "inbox_views": inbox,
        "inbox_view_server_ms": filters_ms,
        "case_pages_opened": len(cases),
        "workflow": workflow,
        "baseline_updates": baseline,
        "clerk": {
            "username": clerk.username,
            "clearance": clerk.clearance,
            "device": "managed, compliant (session bound)" if device_cookie else "none (no device registry)",
        },
        "dataset": {
            **dataset,
            "database": f"PostgreSQL {server_version} {DB_NAME}",
            "size": db_size,
            "generator": f"manage.py generate_cases --cases {opts.cases} --seed {SEED}",
        },
        "server": f"{submit.version_of([str(submit.BIN / 'gunicorn'), '--version'])}, {opts.workers} sync workers, "
        "bench.settings (DEBUG off)",
        "load": f"wrk -t1 -c{opts.connections}, {opts.duration} s after {opts.warmup} s warm-up, {opts.rounds} rounds",
        "rounds": rounds,
        "machine": {
            "cores": os.cpu_count(),
            "cpu_model": submit.cpu_model(),
            "loadavg_at_start": loadavg_at_start,
            "loadavg_per_round": [r["loadavg"] for r in rounds],
            "loadavg_at_end": [round(v, 2) for v in os.getloadavg()],
        },
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python bench/inbox.py", *sys.argv[1:]]),
    }
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_summary(report, opts.output)
    return 0 if report["errors"] == 0 else 1


def compare_report(ref: str, commit: str, rounds: list[dict[str, Any]], med: Any) -> dict[str, Any]:
    """The other revision's figures from the same rounds, and this tree's as a share of them."""
    result: dict[str, Any] = {"ref": ref, "commit": commit}
    for page in ("inbox", "case_page"):
        for key in ("p50_ms", "p99_ms", "per_s", "cpu_ms"):
            result[f"{page}_{key}"] = med(f"{page}_before", key)
            result[f"{page}_{key}_ratio"] = round(med(page, key) / max(0.01, med(f"{page}_before", key)), 3)
    return result


def print_summary(report: dict[str, Any], output: Path) -> None:
    q = report["queries_per_request"]
    base = report["http_baseline"]
    print()
    print(f"civicloop inbox benchmark — {report['date']}, {report['cases']:,} cases ({report['dataset']['size']})")
    print(f"  stack       {report['server']}; {report['load']}")
    for name, label in (("inbox", "inbox"), ("case_page", "case page")):
        print(
            f"  {label:<10}  p50 {report[f'{name}_p50_ms']:7.2f} ms   p99 {report[f'{name}_p99_ms']:7.2f} ms   "
            f"{report['throughput_per_s'][name]:7.1f}/s   queries/request {q[name]}   "
            f"server CPU {report['server_cpu_ms_per_request'][name]} ms/request"
        )
    if compare := report.get("compare"):
        for name, label in (("inbox", "inbox"), ("case_page", "case page")):
            print(
                f"  {label + ' before':<17} p50 {compare[f'{name}_p50_ms']:7.2f} ms   "
                f"p99 {compare[f'{name}_p99_ms']:7.2f} ms   {compare[f'{name}_per_s']:7.1f}/s   "
                f"server CPU {compare[f'{name}_cpu_ms']} ms/request "
                f"(this tree: p50 ×{compare[f'{name}_p50_ms_ratio']}, p99 ×{compare[f'{name}_p99_ms_ratio']}, "
                f"CPU ×{compare[f'{name}_cpu_ms_ratio']}; "
                f"{compare['ref']} = {compare['commit'][:10]}, same rounds)"
            )
    print(f"  baseline    p50 {base['p50_ms']:7.2f} ms   p99 {base['p99_ms']:7.2f} ms   {base['endpoint']}")
    print(f"  target      p50 ≤ 50 ms, p99 ≤ 150 ms: {'met' if report['meets_target'] else 'NOT met'}; "
          f"query counts {'constant' if q['constant'] else 'NOT constant'} over pages and cases")  # fmt: skip
    wf = report["workflow_cases_per_s"]
    print(
        f"  workflow    {'n/a (' + report['workflow'].get('note', '') + ')' if wf is None else f'{wf:.1f} cases/s'}"
        f"   beside bare status updates {report['baseline_updates_per_s']:.1f}/s"
    )
    machine = report["machine"]
    print(f"  load avg    start {machine['loadavg_at_start']}, per round {machine['loadavg_per_round']}, "
          f"end {machine['loadavg_at_end']} ({machine['cores']} cores)")  # fmt: skip
    print(f"  written to  {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    sys.exit(main())
