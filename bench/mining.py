# SPDX-License-Identifier: MPL-2.0
"""Process-mining benchmark: writes bench/results/mining.json.

    .venv/bin/python bench/mining.py [--events 1000000] [--repeats 3] [--skip-postgres]

1. The log is synthetic and made in memory with numpy (seeded, so every run mines the same log):
   cases walk the cases app's workflow (intake → review → [補正 correction → review] →
   [合議 consultation] → approval (決裁) → [fee] → notify), one `case.task_completed` event per
   finished task, named by BPMN task id. Step durations are exponential with per-step means
   (review and approval are the injected bottlenecks); arrivals are spread over two years. Times are whole microseconds and strictly
   increase within a case, so the order within a case is unambiguous for both implementations.
2. civicloop: `civicloop.relay.mining.directly_follows()` and `step_times()` on the log as numpy
   columns (`TaskLog`). Both timed together, median of --repeats runs → `civicloop_s`.
3. pm4py (AGPL, never a dependency), the baseline: the same log, written as CSV, is read by
   pandas in the throwaway virtualenv /tmp/pm4py-venv, and `pm4py.discover_performance_dfg` runs
   on the formatted DataFrame; only the discovery is timed (median of --repeats) → `pm4py_s`
   (reading the CSV and importing pm4py are reported apart). Without the venv the pm4py figures
   are null. Both sides start from the log in memory; civicloop's side also computes the step
   times, pm4py's only the DFG.
4. `identical`: the same edges and the same mean seconds per edge (relative tolerance 1e-6).
5. The production path, beside (skip with --skip-postgres): the database `civicloop_bench_mining`
   is recreated, `core` migrated, the same log COPYed into `core_event` as the cases app records
   it (subject `case/<uuid>`, data `task_id`, `task`, `department`, `procedure`, `started_at`,
   `duration_s`, `next`); then `load_task_log()` (events → numpy columns) and
   `directly_follows_sql()` (LAG per case in PostgreSQL) are timed, and both checked against the
   in-memory answer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import RESULTS, cpu_model, now, write  # noqa: E402
from bench.services import database_url, pg_connect  # noqa: E402

DB_NAME = "civicloop_bench_mining"
PM4PY_PYTHON = Path(os.environ.get("BENCH_PM4PY_PYTHON", "/tmp/pm4py-venv/bin/python"))
TOLERANCE = 1e-6
TARGET_SPEEDUP = 5.0
TYPE = "jp.lg.civicloop.case.task_completed"
# (BPMN task id as the cases app names them, mean hours): review and approval are the bottlenecks.
TASKS = [
    ("intake", 2.0),
    ("review", 30.0),
    ("correction", 72.0),
    ("consultation", 24.0),
    ("approval", 40.0),
    ("fee", 48.0),
    ("notify", 1.0),
]
PROCEDURES = [
    ("sodai-gomi", "seiso"),
    ("jido-teate", "kosodate_kyufu"),
    ("hoiku", "hoiku"),
    ("tennyu", "koseki_juumin"),
]

PM4PY_SCRIPT = r"""
import json, statistics, sys, time
t = time.perf_counter()
import pandas as pd
import pm4py
df = pd.read_csv(sys.argv[1], dtype={"case": str, "activity": str, "time_us": "int64"})
df["time"] = pd.to_datetime(df["time_us"], unit="us", utc=True)
df = pm4py.format_dataframe(df, case_id="case", activity_key="activity", timestamp_key="time")
load_s = time.perf_counter() - t
runs = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    dfg, start, end = pm4py.discover_performance_dfg(df)
    runs.append(time.perf_counter() - t)
edges = [[a, b, float(v["mean"] if isinstance(v, dict) else v)] for (a, b), v in dfg.items()]
print(json.dumps({"runs_s": runs, "load_s": load_s, "edges": edges, "version": pm4py.__version__}))
"""


def log(message: str) -> None:
    print(f"[mining] {message}", flush=True)


def setup_django(with_postgres: bool) -> None:
    if with_postgres:
        with pg_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        os.environ["DATABASE_URL"] = database_url(DB_NAME)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CIVICLOOP_DEBUG", "1")
    os.environ["CIVICLOOP_VAR_DIR"] = tempfile.mkdtemp(prefix="civicloop-bench-mining-")
    import django

    django.setup()
    if with_postgres:
        from django.core.management import call_command

        call_command("migrate", "core", verbosity=0)


def walk(rng: np.random.Generator, events: int) -> tuple[np.ndarray, np.ndarray]:
    """Case number and task index of each event, cases one after another, exactly `events` long."""
    paths: list[list[int]] = []
    total = 0
    while total < events:
        path = [0, 1]
        if rng.random() < 0.15:
            path += [2, 1]  # 補正: back to review after the correction
        if rng.random() < 0.3:
            path.append(3)  # 合議 with other departments
        path.append(4)
        if rng.random() < 0.4:
            path.append(5)  # waiting for the fee
        path.append(6)
        paths.append(path)
        total += len(path)
    lengths = np.array([len(p) for p in paths])
    case_of = np.repeat(np.arange(len(paths)), lengths)[:events]
    task_of = np.fromiter((t for p in paths for t in p), dtype=np.int64, count=total)[:events]
    return case_of, task_of


def generate(events: int, seed: int = 20261126) -> Any:
    """The synthetic log as a TaskLog (times in microseconds since the epoch)."""
    from civicloop.relay.mining import TaskLog

    rng = np.random.default_rng(seed)
    case_of, task_of = walk(rng, events)
    n_cases = int(case_of[-1]) + 1
    start_us = int(datetime(2024, 4, 1, tzinfo=UTC).timestamp()) * 10**6
    arrival = start_us + rng.integers(0, 730 * 86400 * 10**6, n_cases)
    means_us = np.array([hours * 3600e6 for _name, hours in TASKS])
    duration_us = np.maximum(1_000_000, rng.exponential(means_us[task_of]).astype(np.int64))
    first = np.r_[True, case_of[1:] != case_of[:-1]]
    # completion time = arrival + running sum of the case's durations so far
    cumulative = np.cumsum(duration_us)
    case_start = np.maximum.accumulate(np.where(first, np.arange(events), 0))
    done_us = arrival[case_of] + cumulative - cumulative[case_start] + duration_us[case_start]
    # in time order, cases interleaved, as events are appended to a real log
    order = np.argsort(done_us, kind="stable")
    return TaskLog(
        case=case_of[order],
        activity=task_of[order],
        time_us=done_us[order],
        duration_s=duration_us[order] / 1e6,
        activities=tuple(name for name, _hours in TASKS),
    )


def uuids(rng: np.random.Generator, count: int) -> list[str]:
    raw = rng.bytes(16 * count)
    return [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, 16 * count, 16)]


def copy_into_postgres(log_: Any) -> None:
    """COPY the log into core_event (text format; our JSON has no tabs, newlines or backslashes)."""
    rng = np.random.default_rng(1)
    events = len(log_)
    case_ids = uuids(rng, int(log_.case.max()) + 1)
    event_ids, task_ids = uuids(rng, events), uuids(rng, events)
    done = np.datetime_as_string(log_.time_us.astype("datetime64[us]"), unit="us")
    started_us = log_.time_us - np.rint(log_.duration_s * 1e6).astype(np.int64)
    started = np.datetime_as_string(started_us.astype("datetime64[us]"), unit="us")
    names = log_.activities
    with pg_connect(DB_NAME) as conn, conn.cursor() as cursor:
        with cursor.copy("COPY core_event (id, source, type, subject, time, data, classification) FROM STDIN") as copy:
            buffer: list[str] = []
            for i in range(events):
                case, task = int(log_.case[i]), int(log_.activity[i])
                procedure, department = PROCEDURES[case % len(PROCEDURES)]
                data = (
                    f'{{"task_id":"{task_ids[i]}","task":"{names[task]}","outcome":"done",'
                    f'"department":"{department}","procedure":"{procedure}","started_at":"{started[i]}+00:00",'
                    f'"duration_s":{log_.duration_s[i]}}}'
                )
                buffer.append(
                    f"{event_ids[i]}\turn:lg:131130\t{TYPE}\tcase/{case_ids[case]}\t{done[i]}+00\t{data}\tOFFICIAL\n"
                )
                if len(buffer) >= 20000:
                    copy.write("".join(buffer))
                    buffer.clear()
            copy.write("".join(buffer))
        cursor.execute("VACUUM ANALYZE core_event")


def write_csv(log_: Any, path: Path) -> None:
    """The same log for pm4py: case, activity, completion time (µs)."""
    names = np.asarray(log_.activities, dtype=object)[log_.activity]
    with open(path, "w", encoding="utf-8") as out:
        out.write("case,activity,time_us\n")
        for start in range(0, len(log_), 100_000):
            end = start + 100_000
            rows = zip(log_.case[start:end].tolist(), names[start:end], log_.time_us[start:end].tolist(), strict=True)
            out.write("".join(f"c{c},{a},{t}\n" for c, a, t in rows))


def timed(repeats: int, func: Any, *args: Any) -> tuple[list[float], Any]:
    runs, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = func(*args)
        runs.append(time.perf_counter() - started)
    return runs, result


def run_civicloop(log_: Any, repeats: int) -> tuple[list[float], list[Any], list[Any]]:
    from civicloop.relay import mining

    mining.directly_follows(log_)  # warm-up, as pm4py's timing starts with its frame in memory
    runs, (edges, steps) = timed(repeats, lambda: (mining.directly_follows(log_), mining.step_times(log_)))
    return runs, edges, steps


def run_postgres(log_: Any, edges: list[Any], repeats: int) -> dict[str, Any]:
    from civicloop.relay import mining

    started = time.perf_counter()
    copy_into_postgres(log_)
    log(f"copied {len(log_):,} events into core_event in {time.perf_counter() - started:.1f} s")
    load_runs, loaded = timed(1, mining.load_task_log)
    sql_runs, sql_edges = timed(repeats, mining.directly_follows_sql)
    from_db = mining.directly_follows(loaded)
    return {
        "postgres_load_task_log_s": round(load_runs[0], 3),
        "postgres_sql_dfg_s": round(statistics.median(sql_runs), 3),
        "postgres_identical": compare(edges, [[e.source, e.target, e.mean_s] for e in sql_edges])[0]
        and compare(edges, [[e.source, e.target, e.mean_s] for e in from_db])[0],
    }


def run_pm4py(csv_path: Path, repeats: int) -> dict[str, Any] | None:
    if not PM4PY_PYTHON.exists():
        log(f"pm4py is not available ({PM4PY_PYTHON} missing): pm4py figures are null. To compare, run")
        log("  python3.11 -m venv /tmp/pm4py-venv && /tmp/pm4py-venv/bin/pip install pm4py")
        return None
    done = subprocess.run(
        [str(PM4PY_PYTHON), "-c", PM4PY_SCRIPT, str(csv_path), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def compare(ours: list[Any], theirs: list[list[Any]]) -> tuple[bool, float, int]:
    mine = {(e.source, e.target): e.mean_s for e in ours}
    other = {(a, b): float(mean) for a, b, mean in theirs}
    if set(mine) != set(other):
        return False, float("inf"), len(set(mine) ^ set(other))
    worst = max(abs(mine[k] - other[k]) / max(abs(other[k]), 1e-9) for k in mine)
    return worst <= TOLERANCE, worst, 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true", help="Only the in-memory comparison.")
    args = parser.parse_args()

    setup_django(with_postgres=not args.skip_postgres)
    log_ = generate(args.events)
    log(f"generated {args.events:,} events, {int(log_.case.max()) + 1:,} cases")
    runs, edges, steps = run_civicloop(log_, args.repeats)
    civicloop_s = statistics.median(runs)
    with tempfile.TemporaryDirectory(prefix="civicloop-mining-") as folder:
        csv_path = Path(folder) / "log.csv"
        write_csv(log_, csv_path)
        pm4py = run_pm4py(csv_path, args.repeats)
    postgres = {} if args.skip_postgres else run_postgres(log_, edges, args.repeats)

    pm4py_s = statistics.median(pm4py["runs_s"]) if pm4py else None
    identical, worst, missing = compare(edges, pm4py["edges"]) if pm4py else (None, None, None)
    result = {
        "events": args.events,
        "cases": int(log_.case.max()) + 1,
        "civicloop_s": round(civicloop_s, 4),
        "pm4py_s": round(pm4py_s, 3) if pm4py_s is not None else None,
        "speedup": round(pm4py_s / civicloop_s, 1) if pm4py_s is not None else None,
        "identical": identical,
        "max_mean_relative_difference": worst,
        "edges_only_in_one": missing,
        "civicloop_runs_s": [round(r, 4) for r in runs],
        "pm4py_runs_s": [round(r, 3) for r in pm4py["runs_s"]] if pm4py else None,
        "pm4py_load_s": round(pm4py["load_s"], 3) if pm4py else None,
        "pm4py_version": pm4py["version"] if pm4py else None,
        **postgres,
        "what_is_timed": {
            "civicloop_s": "directly_follows() + step_times() on the log as numpy columns in memory",
            "pm4py_s": "pm4py.discover_performance_dfg on the log as a formatted pandas DataFrame in memory",
            "postgres_load_task_log_s": "load_task_log(): the events from core_event into numpy columns",
            "postgres_sql_dfg_s": "directly_follows_sql(): LAG per case inside PostgreSQL",
        },
        "directly_follows": [
            {"from": e.source, "to": e.target, "count": e.count, "mean_s": round(e.mean_s, 3)} for e in edges
        ],
        "step_times": [
            {
                "task": s.task,
                "count": s.count,
                "mean_s": round(s.mean_s, 1),
                "p50_s": round(s.p50_s, 1),
                "p90_s": round(s.p90_s, 1),
            }
            for s in steps
        ],
        "target": {"speedup": TARGET_SPEEDUP},
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model(), "load_average_1m": round(os.getloadavg()[0], 2)},
        "date": now(),
        "command": " ".join([".venv/bin/python bench/mining.py", *sys.argv[1:]]),
    }
    write(RESULTS / "mining.json", result)
    print_summary(result)
    return 0


def print_summary(result: dict[str, Any]) -> None:
    print(f"civicloop mining benchmark — {result['date']}, {result['events']:,} events, {result['cases']:,} cases")
    print(f"  civicloop (numpy, DFG + step times)  {result['civicloop_s']:.3f} s   runs {result['civicloop_runs_s']}")
    if result["pm4py_s"] is None:
        print("  pm4py performance DFG (baseline)     n/a (no /tmp/pm4py-venv)")
    else:
        print(
            f"  pm4py performance DFG (baseline)     {result['pm4py_s']:.3f} s   runs {result['pm4py_runs_s']}"
            f"   (+{result['pm4py_load_s']:.1f} s to load the CSV, pm4py {result['pm4py_version']})"
        )
        print(
            f"  speedup {result['speedup']}× (target ≥ {TARGET_SPEEDUP:g}×); same edges and means: {result['identical']}"
        )
    if "postgres_sql_dfg_s" in result:
        print(
            f"  from PostgreSQL: load_task_log {result['postgres_load_task_log_s']:.2f} s, "
            f"SQL DFG {result['postgres_sql_dfg_s']:.2f} s; same answer: {result['postgres_identical']}"
        )
    print(
        "  slowest steps (mean h): "
        + ", ".join(
            f"{s['task']} {s['mean_s'] / 3600:.1f}"
            for s in sorted(result["step_times"], key=lambda s: -s["mean_s"])[:3]
        )
    )
    print("  → bench/results/mining.json")


if __name__ == "__main__":
    raise SystemExit(main())
