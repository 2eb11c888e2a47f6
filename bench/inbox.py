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

The data set and the clerk are bench/inbox_data.py, the in-process checks bench/inbox_checks.py,
the wrk script bench/inbox.lua, serving another revision (--compare) bench/revisions.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import inbox_checks, inbox_data, load, revisions, services  # noqa: E402
from bench.inbox_data import DB_NAME, SEED  # noqa: E402
from bench.report import RESULTS, cpu_model, load_average, now, shown, version_of, write  # noqa: E402
from bench.services import log  # noqa: E402

TARGET = {"p50_ms": 50, "p99_ms": 150}
# wrk script: GET (or POST) a rotating list of paths with the session cookie; one JSON line at the end.
WRK_SCRIPT = ROOT / "bench" / "inbox.lua"


# --------------------------------------------------------------------------- HTTP


def run_wrk(wrk: str, script: Path, base: str, paths_file: Path, cookie: str, *, method: str = "GET",
            seconds: int, connections: int, gunicorn_pid: int) -> dict[str, Any]:  # fmt: skip
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base, "--",
           str(paths_file), cookie, method]  # fmt: skip
    return load.summarise(load.run_wrk(cmd, seconds=seconds, gunicorn_pid=gunicorn_pid))


def check_by_hand(base: str, cookie: str, inbox: list[str], cases: list[str]) -> None:
    """One request of each before any load: both pages answer 200 with the clerk's content."""
    import urllib.request

    for path, marker in ((inbox[0], b"<table"), (cases[0], b"<h1")):
        req = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310 - our own server
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            body = resp.read()
            if resp.status != 200 or marker not in body or b"/staff/login/" in resp.url.encode():
                raise RuntimeError(f"{path} answered {resp.status} at {resp.url} without the expected page")


def measure_http(opts: argparse.Namespace, env: dict[str, str], var_dir: Path, cookie: str,
                 inbox: list[str], cases: list[str], before: Path | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Rounds of inbox, case page and baseline; with `before` (a checkout), its inbox and case page too.

    The two servers take turns within each round (which goes first alternates), so a busy moment
    on the shared machine falls on both alike.
    """
    wrk = services.ensure_wrk()
    script = WRK_SCRIPT
    files = {}
    for name, paths in (("inbox", inbox), ("case_page", cases), ("baseline", [services.BASELINE_PATH])):
        files[name] = var_dir / f"{name}.txt"
        files[name].write_text("\n".join(paths) + "\n")
    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = services.start_gunicorn(env, port, opts.workers, var_dir)
    servers = {"": (base, proc)}
    if before is not None:
        other_port = services.free_port()
        servers["_before"] = (f"http://127.0.0.1:{other_port}",
                              revisions.start_gunicorn_in(before, env, other_port, opts.workers, var_dir / "before"))  # fmt: skip
    rounds: list[dict[str, Any]] = []
    try:
        for url, server in servers.values():
            services.wait_ready(url, server)
            check_by_hand(url, cookie, inbox, cases)
        log(f"gunicorn ({opts.workers} sync workers) answers on {', '.join(u for u, _p in servers.values())}; "
            "inbox and case page checked by hand")  # fmt: skip
        for number in range(1, opts.rounds + 1):
            this: dict[str, Any] = {"round": number}
            if opts.quiet_wait > 0:
                this["quiet_wait"] = load.wait_for_quiet(opts.quiet_wait)
            this["loadavg"] = load_average()  # other sessions share the machine
            order = list(servers) if number % 2 else list(reversed(servers))
            phases = [(page, which) for page in ("inbox", "case_page") for which in order] + [("baseline", "")]
            for page, which in phases:
                url, server = servers[which]
                method = "POST" if page == "baseline" else "GET"
                phase = {"seconds": opts.duration, "connections": opts.connections, "gunicorn_pid": server.pid}
                if opts.warmup > 0:
                    run_wrk(wrk, script, url, files[page], cookie, method=method, **{**phase, "seconds": opts.warmup})
                this[page + which] = result = run_wrk(wrk, script, url, files[page], cookie, method=method, **phase)
                log(
                    f"round {number} {page + which:<16} {result['per_s']:7.1f}/s  p50 {result['p50_ms']:7.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  cores {result['cores_used']}"
                )
            rounds.append(this)
    finally:
        for _url, server in servers.values():
            services.stop_gunicorn(server)
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
    services.ensure_postgres()
    var_dir = Path(tempfile.mkdtemp(prefix="civicloop-bench-inbox-"))
    env = inbox_data.bench_env(var_dir)
    dataset = inbox_data.ensure_dataset(env, opts.cases, fresh=opts.fresh)
    with services.pg_connect(DB_NAME) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, created_at timestamptz)")
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    services.setup_django(env)
    from django.db import connections

    clerk = inbox_data.bench_clerk()
    client = inbox_data.signed_in_client(clerk)
    device_cookie = inbox_data.managed_device_cookie(clerk, client)
    cookie = "; ".join(filter(None, [f"sessionid={client.cookies['sessionid'].value}", device_cookie]))
    inbox = inbox_data.inbox_paths(clerk)
    cases = inbox_data.case_paths(clerk, opts.case_pages)
    log(f"clerk {clerk.username} ({clerk.clearance}); {len(inbox)} inbox views, {len(cases)} case pages")
    pages = ["/staff/inbox/"] + [f"/staff/inbox/?page={p}" for p in range(2, 11)]
    sample = cases[:100] + cases[-100:]
    queries = {
        "inbox_pages": inbox_checks.count_queries(client, pages),
        "inbox_filters": inbox_checks.count_queries(client, inbox),
        "case_page": inbox_checks.count_queries(client, sample, inbox_checks.case_groups(sample, clerk)),
    }
    filters_ms = inbox_checks.per_filter_times(client, inbox)
    connections.close_all()
    before, before_commit = revisions.checkout(opts.compare) if opts.compare else (None, "")
    try:
        rounds = measure_http(opts, env, var_dir, cookie, inbox, cases, before)
    finally:
        if before is not None:
            revisions.remove_checkout(before)
    workflow = inbox_checks.workflow_throughput(opts.workflow_cases)
    baseline = inbox_checks.baseline_updates(opts.baseline_updates)
    connections.close_all()
    shutil.rmtree(var_dir, ignore_errors=True)

    def med(name: str, key: str) -> float:
        if key == "cpu_ms":  # the server's CPU per request: what the code costs, whoever else runs
            return round(
                float(statistics.median(1000 * r[name]["cores_used"]["gunicorn"] / r[name]["per_s"] for r in rounds)), 1
            )
        return round(float(statistics.median(r[name][key] for r in rounds)), 2)

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
            "endpoint": f"POST {services.BASELINE_PATH} (one INSERT)",
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
        "server": f"{version_of([str(services.BIN / 'gunicorn'), '--version'])}, {opts.workers} sync workers, "
        "bench.settings (DEBUG off)",
        "load": f"wrk -t1 -c{opts.connections}, {opts.duration} s after {opts.warmup} s warm-up, {opts.rounds} rounds",
        "rounds": rounds,
        "machine": {
            "cores": os.cpu_count(),
            "cpu_model": cpu_model(),
            "loadavg_at_start": loadavg_at_start,
            "loadavg_per_round": [r["loadavg"] for r in rounds],
            "loadavg_at_end": load_average(),
        },
        "date": now(),
        "command": " ".join([".venv/bin/python bench/inbox.py", *sys.argv[1:]]),
    }
    write(opts.output, report)
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
    print(f"  written to  {shown(output)}")


if __name__ == "__main__":
    sys.exit(main())
