# SPDX-License-Identifier: MPL-2.0
"""Driving load with wrk and accounting for the CPU it costs, per group of processes.

A wrk run's Lua script prints one JSON line at its end (bench/load.lua, bench/inbox.lua);
`run_wrk` reads it and, given the server's pid, adds the cores each group used while wrk ran
(gunicorn, the relay, PostgreSQL, wrk, everything else on the shared machine). `summarise` turns
that into the figures a report keeps. Shared by bench/submit.py and bench/inbox.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(gunicorn_pid: int, wrk_pid: int | None, relay_pid: int | None = None) -> dict[str, dict[int, float]]:
    """CPU seconds so far per process, grouped: gunicorn (master + workers), relay, postgres, wrk."""
    groups: dict[str, dict[int, float]] = {"gunicorn": {}, "relay": {}, "postgres": {}, "wrk": {}}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/stat") as f:
                raw = f.read()
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            ppid = int(raw.rsplit(")", 1)[1].split()[1])
            cpu = proc_cpu(pid)
        except (OSError, ValueError):
            continue
        if pid == gunicorn_pid or ppid == gunicorn_pid:
            groups["gunicorn"][pid] = cpu
        elif relay_pid is not None and pid == relay_pid:
            groups["relay"][pid] = cpu
        elif comm == "postgres":
            groups["postgres"][pid] = cpu
        elif pid == wrk_pid:
            groups["wrk"][pid] = cpu
    return groups


def machine_busy() -> tuple[int, int]:
    """Busy and total jiffies of all cores so far (/proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wait_for_quiet(limit: float, threshold_pct: float = 20.0) -> dict[str, float]:
    """Wait up to `limit` seconds until other processes leave the machine mostly idle (shared machines)."""
    start = time.monotonic()
    while True:
        busy0, total0 = machine_busy()
        time.sleep(2)
        busy1, total1 = machine_busy()
        busy_pct = 100 * (busy1 - busy0) / max(1, total1 - total0)
        waited = time.monotonic() - start
        if busy_pct < threshold_pct or waited >= limit:
            return {"waited_s": round(waited, 1), "busy_pct_before": round(busy_pct, 1)}


def run_wrk(
    cmd: list[str], *, seconds: int, gunicorn_pid: int | None = None, relay_pid: int | None = None
) -> dict[str, Any]:
    """Run wrk (`cmd`) for `seconds`; its JSON line, with `cores_used` per group when `gunicorn_pid` is given."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    before = after = None
    if gunicorn_pid:
        busy0, total0 = machine_busy()
        before = cpu_snapshot(gunicorn_pid, proc.pid, relay_pid)
        wall0 = time.monotonic()
        # the second snapshot is taken just before wrk finishes (its process is gone once it exits)
        time.sleep(max(0.0, seconds - 0.3))
        after = cpu_snapshot(gunicorn_pid, proc.pid, relay_pid)
        busy1, total1 = machine_busy()
        wall = time.monotonic() - wall0
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err}\n{out}")
    line = next(ln for ln in reversed(out.splitlines()) if ln.startswith("{"))
    result: dict[str, Any] = json.loads(line)
    if err.strip():
        result["stderr"] = err.strip()[:1000]
    if before is not None and after is not None:
        cores = {
            group: sum(cpu - before[group].get(pid, 0.0) for pid, cpu in after[group].items()) / wall for group in after
        }
        busy = (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0)
        # everything else on the machine (other sessions' tests, browsers …): noise to report
        cores["other"] = max(0.0, busy - sum(cores.values()))
        result["cores_used"] = {k: round(v, 2) for k, v in cores.items()}
        result["machine_busy_pct"] = round(100 * busy / (os.cpu_count() or 1), 1)
    return result


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """Requests per second (2xx only), latency percentiles in ms, errors and the cores used."""
    seconds = raw["duration_us"] / 1e6
    ok = raw["requests"] - raw["non2xx"]
    errors = raw["non2xx"] + sum(v for k, v in raw["errors"].items() if k != "status")
    return {
        "per_s": round(ok / seconds, 1),
        "requests": raw["requests"],
        "ok_2xx": ok,
        "errors": errors,
        "statuses": raw["statuses"],
        "socket_errors": raw["errors"],
        "duration_s": round(seconds, 2),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "machine_busy_pct": raw.get("machine_busy_pct"),
        "cores_used": raw.get("cores_used"),
        **({"stderr": raw["stderr"]} if "stderr" in raw else {}),
    }
