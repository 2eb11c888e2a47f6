# SPDX-License-Identifier: MPL-2.0
"""bench/load_mix.py's site: `make prod-local` on the 1,000,000-case database, started, awaited, stopped.

`settle_consumers` puts the relay's checkpoints at the end of the generated history first;
`start_site` runs prod-local's command on its own port, VAR_DIR and Redis databases;
`wait_for_site`, `stop_site`, `site_environment` (its keys, to mint sessions here) and
`server_problems` (the error lines of its logs) are shared with bench/faults.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import inbox_data, services
from bench.inbox_data import DB_NAME
from bench.services import BIN, ROOT

# Redis databases of this bench's site (cache + sessions, Celery broker): not the default 1 and 2
# a `make prod-local` of someone else on this machine uses.
CACHE_URL = os.environ.get("LOAD_MIX_CACHE_URL", "redis://127.0.0.1:6379/11")
BROKER_URL = os.environ.get("LOAD_MIX_BROKER_URL", "redis://127.0.0.1:6379/12")


def settle_consumers(env: dict[str, str]) -> dict[str, int]:
    """Put the relay's consumers at the end of the generated history, as on a site that has run for years.

    `generate_cases` writes five years of events, already numbered, but no consumer has seen them
    (migrations leave some checkpoints at 0), so the site's first Celery ticks would replay ~5
    million events (process starts, receipt notices, rollups) during the load. A checkpoint only
    moves forward, to the last event numbered before this bench first ran on the data set
    (`bench_relay_start`): what runs add is relayed as usual. Returns each consumer's checkpoint.
    """
    code = "import json; from django.conf import settings; print(json.dumps(list(settings.EVENT_CONSUMERS)))"
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    names = json.loads(done.stdout.strip().splitlines()[-1])
    with services.pg_connect(DB_NAME) as conn:
        # The end of the history, noted before this bench's site first runs on the data set.
        conn.execute("CREATE TABLE IF NOT EXISTS bench_relay_start (position bigint, at timestamptz)")
        conn.execute(
            "INSERT INTO bench_relay_start SELECT coalesce(max(position), 0), now() FROM core_event "
            "WHERE NOT EXISTS (SELECT 1 FROM bench_relay_start)"
        )
        history_end = conn.execute("SELECT position FROM bench_relay_start").fetchone()[0]
        for name in names:
            conn.execute(
                "INSERT INTO relay_consumercursor (name, position, failures, last_error, updated_at) "
                "VALUES (%s, %s, 0, '', now()) ON CONFLICT (name) DO UPDATE "
                "SET position = greatest(relay_consumercursor.position, excluded.position)",
                [name, history_end],
            )
        rows = conn.execute("SELECT name, position FROM relay_consumercursor ORDER BY name").fetchall()
    return {name: int(position) for name, position in rows}


def start_site(opts: argparse.Namespace, var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`make prod-local`'s command on the bench database, its own port, VAR_DIR and Redis databases."""
    if "prod-local:" not in (ROOT / "Makefile").read_text():
        sys.exit("this tree has no `make prod-local`: bench/load_mix.py runs against it")
    env = {k: v for k, v in os.environ.items() if k != "CIVICLOOP_DEBUG"}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        CIVICLOOP_VAR_DIR=str(var_dir),
        DATABASE_URL=inbox_data.DATABASE_URL,
        CIVICLOOP_CACHE_URL=CACHE_URL,
        CIVICLOOP_CELERY_BROKER_URL=BROKER_URL,
        WEB_WORKERS=str(opts.workers),
        CIVICLOOP_LOG_FORMAT=opts.log_format,
        # Each simulated resident is a real one of the data set, picked at random; the production limit
        # (10 submissions an hour) stays on, so a 429 would show as an error.
    )
    cmd = [str(BIN / "python"), "-m", "civicloop.ops.prod_local"]
    proc: subprocess.Popen[bytes] = services.popen_logged(
        cmd, cwd=ROOT, env=env, log_path=var_dir.parent / "prod-local.out"
    )
    return proc


def wait_for_site(proc: subprocess.Popen[bytes], var_dir: Path, base: str, timeout: float = 600) -> dict[str, int]:
    """Until prod-local printed its banner (pids written, /healthz answered); its pids."""
    deadline = time.monotonic() + timeout
    out = var_dir.parent / "prod-local.out"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prod-local exited with {proc.returncode}:\n{out.read_text()[-3000:]}")
        if "civicloop, the production topology" in out.read_text(errors="replace"):
            pids: dict[str, int] = json.loads((var_dir / "prod-local.pids").read_text())
            return pids
        time.sleep(0.5)
    raise RuntimeError(f"prod-local did not answer within {timeout:.0f} s:\n{out.read_text()[-3000:]}")


def stop_site(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to prod-local's supervisor (it stops web, worker and beat), then its group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def site_environment(var_dir: Path) -> dict[str, str]:
    """The site's own environment (prod-local.env: keys, database, cache), for minting sessions here."""
    env = {k: v for k, v in os.environ.items() if k != "CIVICLOOP_DEBUG"}
    for line in (var_dir / "prod-local.env").read_text().splitlines():
        name, _, value = line.partition("=")
        env[name] = value.strip("'")
    return env


def server_problems(var_dir: Path) -> dict[str, int]:
    """Lines of the site's logs that say something went wrong (a 500's traceback, a failed task)."""
    found = {}
    for name in ("web", "worker", "beat"):
        path = var_dir / "logs" / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        found[name] = sum(
            1 for line in text.splitlines() if '"ERROR"' in line or "Traceback" in line or " ERROR " in line
        )
    return found
