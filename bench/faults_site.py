# SPDX-License-Identifier: MPL-2.0
"""bench/faults.py's processes: its own redis-server, `make prod-local` on its database, what is left after.

`RedisServer` is a child of the bench, killed and started again on the same port; `start_site` runs
prod-local's command with the bench's database, port, VAR_DIR and Redis; `kill_leftovers` SIGKILLs
any process group prod-local started that outlived it; `children_of` and `answers` are what the
fault plan uses to pick a victim and to see the site back.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from bench import services
from bench.services import BIN, ROOT

DB_NAME = "civicloop_bench_faults"


def free_port_from(start: int) -> int:
    import socket

    for port in range(start, start + 200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port from {start}")


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


class RedisServer:
    """This bench's own redis-server, a child process: killed and started again on the same port."""

    def __init__(self, port: int, log_path: Path) -> None:
        self.port, self.log_path = port, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> float:
        """Start it; seconds until it answers PING."""
        import redis

        began = time.monotonic()
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--daemonize", "no"]  # fmt: skip
        self.process = services.popen_logged(cmd, cwd=ROOT, env=dict(os.environ), log_path=self.log_path, mode="ab")
        client = redis.Redis.from_url(self.url(0), socket_connect_timeout=0.5)
        while time.monotonic() - began < 20:
            with contextlib.suppress(redis.RedisError):
                client.ping()
                return time.monotonic() - began
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not answer; see {self.log_path}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def start_site(var_dir: Path, port: int, redis_server: RedisServer) -> subprocess.Popen[bytes]:
    """`make prod-local`'s command on this bench's database, port, VAR_DIR and Redis."""
    env = {k: v for k, v in os.environ.items() if k != "CIVICLOOP_DEBUG"}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        CIVICLOOP_VAR_DIR=str(var_dir),
        DATABASE_URL=services.database_url(DB_NAME),
        CIVICLOOP_CACHE_URL=redis_server.url(1),
        CIVICLOOP_CELERY_BROKER_URL=redis_server.url(2),
        CIVICLOOP_REDIS_URL=redis_server.url(0),  # the relay's doorbell
        CIVICLOOP_SUBMISSION_RATE_LIMIT="0",  # 10,000 submissions from a few hundred residents
        CIVICLOOP_NOTIFICATIONS_LEASE_SECONDS="30",  # the minimum: a killed worker's notices come back soon
        CIVICLOOP_LOG_LEVEL="WARNING",
    )
    cmd = [str(BIN / "python"), "-m", "civicloop.ops.prod_local"]
    proc: subprocess.Popen[bytes] = services.popen_logged(
        cmd, cwd=ROOT, env=env, log_path=var_dir.parent / "prod-local.out"
    )
    return proc


def kill_leftovers(var_dir: Path) -> None:
    """After prod-local stopped: SIGKILL any process group it started that is still alive."""
    path = var_dir / "prod-local.pids"
    if not path.exists():
        return
    pids = json.loads(path.read_text())
    for name in ("web", "worker", "beat"):
        with contextlib.suppress(ProcessLookupError, PermissionError, KeyError):
            os.killpg(int(pids[name]), signal.SIGKILL)


def answers(base: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 - our own server
            return True
    except OSError:
        return False
