# SPDX-License-Identifier: MPL-2.0
"""bench/load_mix.py's CPU accounting: the cores each group of processes used, and where the web workers' went.

`process_groups` and `our_postgres` find the processes of gunicorn, Celery, locust and this
site's PostgreSQL; `sample_until` and `cores_between` turn their CPU seconds into cores over the
measured window. With `--py-spy`, `start_py_spy` samples the web workers and `profile_summary`
shares their samples out by area and view; `cpu_ms_per_request` makes that ms of CPU per request.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import load, services
from bench.inbox_data import DB_NAME


def process_groups(site: dict[str, int], generators: list[int]) -> dict[str, set[int]]:
    """Pids per group now: gunicorn (master + workers), celery (worker + its children, beat), locust."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))

    def tree(pid: int) -> set[int]:
        found = {pid}
        for child in children.get(pid, []):
            found |= tree(child)
        return found

    return {
        "gunicorn": tree(site["web"]),
        "celery": tree(site["worker"]) | tree(site["beat"]),
        "locust": set().union(*(tree(pid) for pid in generators)),
    }


def our_postgres() -> set[int]:
    """PostgreSQL processes that work for this site: its database's backends and the shared background ones."""
    with services.pg_connect() as conn:
        rows = conn.execute("SELECT pid, datname, backend_type FROM pg_stat_activity").fetchall()
    others = {pid for pid, datname, kind in rows if kind == "client backend" and datname not in (DB_NAME, None)}
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() == "postgres" and int(entry) not in others:
                    found.add(int(entry))
        except (OSError, ValueError):
            continue
    return found


def cpu_by_process(groups: dict[str, set[int]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each group (exited processes are gone from the count)."""
    used: dict[str, dict[int, float]] = {name: {} for name in groups}
    for name, pids in groups.items():
        for pid in pids:
            try:
                used[name][pid] = load.proc_cpu(pid)
            except (OSError, ValueError):
                continue
    return used


def sample_until(deadline: float, groups: dict[str, set[int]]) -> dict[str, dict[int, float]]:
    """Each process's CPU as last seen, read every second until `deadline`.

    gunicorn's workers reconnect to PostgreSQL every CIVICLOOP_DB_CONN_MAX_AGE (60 s): a backend
    that exits takes its CPU out of /proc, so a backend is counted as last seen (≤ 1 s lost).
    """
    seen: dict[str, dict[int, float]] = {}
    while True:
        for name, used in cpu_by_process(groups | {"postgres": our_postgres()}).items():
            seen.setdefault(name, {}).update(used)
        if time.monotonic() >= deadline:
            return seen
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def cores_between(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], wall: float
) -> dict[str, float]:
    """Cores per group over `wall` seconds, process by process (one that started in between counts from 0)."""
    return {
        name: round(sum(cpu - before[name].get(pid, 0.0) for pid, cpu in after[name].items()) / wall, 2)
        for name in after
    }


# Where a web worker's CPU goes, by the first matching frame of a sample's stack (innermost first).
PROFILE_AREAS = [
    ("logging (JSON access line, records)", ("logging/", "pythonjsonlogger/")),
    ("metrics (prometheus_client)", ("prometheus_client/",)),
    ("templates (rendering)", ("django/template/", "django/templatetags/", "templatetags/")),
    ("ORM: compiling SQL", ("django/db/models/sql/",)),
    ("PostgreSQL driver and waits (psycopg)", ("psycopg/", "psycopg_pool/")),
    ("ORM: models, querysets, rows", ("django/db/",)),
    (
        "sessions, cache (Redis)",
        ("redis/", "django/core/cache/", "civicloop/core/sessions.py", "django/contrib/sessions/"),
    ),
    ("forms and schema validation", ("jsonschema/", "formschema/", "django/forms/")),
    ("translation, URLs", ("django/utils/translation/", "django/urls/")),
    ("django-ninja, pydantic", ("ninja/", "pydantic")),
    ("gunicorn (accept, parse, write)", ("gunicorn/",)),
]


def start_py_spy(binary: str, pids: set[int], seconds: float, run_dir: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy sampling each web worker for `seconds`: raw folded stacks, only while it holds the GIL
    (running Python, not waiting for PostgreSQL or the next request)."""
    spies = []
    for pid in sorted(pids):
        cmd = [binary, "record", "--pid", str(pid), "--rate", "100", "--duration", str(int(seconds)),
               "--format", "raw", "--nonblocking", "--gil", "-o", str(run_dir / f"py-spy-{pid}.txt")]  # fmt: skip
        spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return spies


def without_line(frame: str) -> str:
    """`case_detail (civicloop/cases/views.py:93)` → `case_detail (civicloop/cases/views.py)`."""
    return frame.rsplit(":", 1)[0] + ")"


def profile_summary(run_dir: Path) -> dict[str, Any]:
    """Shares of the web workers' samples: by area (PROFILE_AREAS) and the busiest functions (inclusive)."""
    areas: dict[str, int] = {}
    functions: dict[str, int] = {}
    total = 0
    for path in run_dir.glob("py-spy-*.txt"):
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n, frames = int(count), stack.split(";")
            total += n
            area = next((name for frame in reversed(frames) for name, marks in PROFILE_AREAS
                         if any(m in frame for m in marks)), "other (views, middleware, the app)")  # fmt: skip
            areas[area] = areas.get(area, 0) + n
            for frame in {without_line(f) for f in frames if " (civicloop/" in f}:
                functions[frame] = functions.get(frame, 0) + n
    views: dict[str, int] = {}
    for frame, n in functions.items():
        if frame in VIEWS:
            views[VIEWS[frame]] = views.get(VIEWS[frame], 0) + n
    share = {k: round(v / max(1, total), 3) for k, v in sorted(areas.items(), key=lambda kv: -kv[1])}
    top = sorted(functions.items(), key=lambda kv: -kv[1])[:25]
    return {
        "samples": total,
        "areas": share,
        "views": {k: round(v / max(1, total), 3) for k, v in views.items()},
        "app_functions_inclusive": {k: round(v / max(1, total), 3) for k, v in top},
    }


# The view behind each endpoint (frames as py-spy names them), to share the web workers' CPU out.
VIEWS = {
    "home (civicloop/catalog/views.py)": "GET /",
    "procedure_list (civicloop/catalog/views.py)": "GET /procedures/ (browse and search)",
    "procedure_detail (civicloop/catalog/views.py)": "GET /procedures/<code>/",
    "my_applications (civicloop/applications/views.py)": "GET /applications/",
    "detail (civicloop/applications/views.py)": "GET /applications/<id>/",
    "submit (civicloop/applications/api.py)": "POST /api/applications",
    "inbox (civicloop/cases/views.py)": "GET /staff/inbox/",
    "case_detail (civicloop/cases/views.py)": "GET /staff/cases/<id>/",
    "claim (civicloop/cases/views.py)": "POST /staff/cases/<id>/claim/",
    "decision (civicloop/cases/views.py)": "POST /staff/cases/<id>/decision/",
    "approve (civicloop/cases/views.py)": "POST /staff/cases/<id>/approval/",
}


def cpu_ms_per_request(report: dict[str, Any]) -> dict[str, float]:
    """Each endpoint's share of the web workers' CPU (profile) over its requests: ms of CPU per request."""
    profile, endpoints = report["profile"], report["endpoints"]
    cpu_s = report["cores_used"]["gunicorn"] * report["measured_window_s"]
    rates = {name: 0.0 for name in profile["views"]}
    for endpoint, figures in endpoints.items():
        for view in rates:
            if endpoint.split(" (")[0].split("?")[0] == view.split(" (")[0]:
                rates[view] += figures["requests_per_s"]
    return {
        view: round(1000 * share * cpu_s / (rates[view] * report["measured_window_s"]), 1)
        for view, share in profile["views"].items()
        if rates[view] > 0
    }
