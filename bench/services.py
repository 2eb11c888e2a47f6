# SPDX-License-Identifier: MPL-2.0
"""What the HTTP benches start and stop: PostgreSQL and its databases, the app's environment,
gunicorn, the event relay and wrk's binary.

Shared by bench/submit.py, bench/inbox.py, bench/policy.py, bench/profile_submit.py and
bench/mining.py; product code never imports it.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, os.environ.get("BENCH_PG_USER", "root")
# The bare one-row INSERT bench.urls serves: the baseline every HTTP bench measures beside its pages.
BASELINE_PATH = "/bench/baseline/"


def log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


def database_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


# --------------------------------------------------------------------------- PostgreSQL


def pg_connect(dbname: str = "postgres") -> Any:
    """An autocommit psycopg connection to `dbname` on the bench's PostgreSQL."""
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True, connect_timeout=3)


def ensure_postgres() -> None:
    """Start the local cluster if PostgreSQL does not answer, and wait until it does (30 s)."""
    try:
        pg_connect().close()
        return
    except Exception as exc:
        log(f"PostgreSQL does not answer ({exc.__class__.__name__}); starting the cluster")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"], check=False)
    deadline = time.monotonic() + 30
    while True:
        try:
            pg_connect().close()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def recreate_database(name: str) -> dict[str, str]:
    """Drop and create database `name`; the server settings a report quotes."""
    with pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        info = {
            setting: conn.execute(f"SHOW {setting}").fetchone()[0]
            for setting in ("server_version", "synchronous_commit", "fsync", "shared_buffers", "max_connections")
        }
    return info


def redis_url() -> str:
    """The shared cache a site with several workers runs with (docs/configuration.md), or '' without Redis.

    With it, rate limits are shared and sessions are read from Redis (civicloop/core/sessions.py).
    BENCH_REDIS_URL names another; the bench's keys carry the site's prefix and are short-lived.
    """
    import redis

    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        log(f"Redis does not answer at {url} ({exc.__class__.__name__}): each worker caches in its own memory")
        return ""
    return url


# --------------------------------------------------------------------------- the app


def bench_env(var_dir: Path, database_url: str) -> dict[str, str]:
    """The environment of the app under bench.settings (DEBUG off) on `database_url`."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        CIVICLOOP_DEBUG="0",
        CIVICLOOP_SECRET_KEY=secrets.token_urlsafe(50),
        # Outside development the audit chain needs its key from the environment (docs/operations.md).
        CIVICLOOP_AUDIT_KEY=f"bench:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        CIVICLOOP_SECURE="0",
        CIVICLOOP_DEMO="0",
        CIVICLOOP_VAR_DIR=str(var_dir),
        CIVICLOOP_CACHE_URL=redis_url(),
        CIVICLOOP_LOG_LEVEL="WARNING",
        # One benchmark user submits thousands of times: the per-resident submission limit is off.
        CIVICLOOP_SUBMISSION_RATE_LIMIT="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


def setup_django(env: dict[str, str]) -> None:
    """Django in this process, on the bench environment `env` (its database, settings and keys)."""
    os.environ.update({k: env[k] for k in env if k.startswith(("CIVICLOOP_", "DATABASE_URL", "DJANGO_"))})
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --------------------------------------------------------------------------- gunicorn and the relay


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def popen_logged(cmd: list[str], *, cwd: Path, env: dict[str, str], log_path: Path, mode: str = "wb") -> Any:
    """Start `cmd` in its own session (stopped by process group), its output into `log_path`."""
    out: IO[bytes] = open(log_path, mode)  # noqa: SIM115 - closed with the process
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def start_gunicorn(env: dict[str, str], port: int, workers: int, log_dir: Path) -> subprocess.Popen[bytes]:
    cmd = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--chdir",
        str(ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "sync",
        "--workers",
        str(workers),
        "--keep-alive",
        "5",  # sync workers close after each response anyway (gunicorn force_close)
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log_dir / "gunicorn-error.log"),
    ]
    # stdout gets the console e-mail backend's confirmation mails (one per submission).
    proc: subprocess.Popen[bytes] = popen_logged(cmd, cwd=ROOT, env=env, log_path=log_dir / "gunicorn-stdout.log")
    return proc


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGINT)  # quick shutdown of the master and its workers
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Wait until the server at `base` answers the baseline endpoint (405 to a GET is an answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} before answering")
        try:
            urllib.request.urlopen(base + BASELINE_PATH, timeout=2)  # noqa: S310 - our own server
        except urllib.error.HTTPError as exc:  # 405 for GET: the app answered
            if exc.code == 405:
                return
        except OSError:
            pass
        else:
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def start_relay(env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    """`manage.py relay_events` with the consumers that took work off the request (bench/relay_settings.py)."""
    relay_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.relay_settings"}
    cmd = [sys.executable, str(ROOT / "manage.py"), "relay_events"]
    proc: subprocess.Popen[bytes] = popen_logged(
        cmd, cwd=ROOT, env=relay_env, log_path=log_dir / "relay.log", mode="ab"
    )
    return proc


def stop_relay(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --------------------------------------------------------------------------- wrk


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package when running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        log("wrk is missing; installing the Debian package")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed: apt-get install -y wrk")
    return found
