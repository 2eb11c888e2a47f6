# SPDX-License-Identifier: MPL-2.0
"""`make prod-local`: the production topology on this machine, without Docker (docs/operations.md).

DEBUG off, PostgreSQL, Redis (cache and sessions, the relay's doorbell, the Celery broker), static
files with hashed names, one gunicorn with two workers, a Celery worker and beat. The keys are
throwaway ones made once in VAR_DIR. A process that dies is started again a second later (as
systemd's Restart=always would), so a fault script can kill them; Ctrl-C or SIGTERM stops them all.

Run as `python -m civicloop.ops.prod_local [--demo]`; it imports no Django: every step is a
`manage.py`, gunicorn or celery process with the production environment built here.
"""

import argparse
import base64
import contextlib
import getpass
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import dj_database_url
import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RULE = "─" * 78


@dataclass(frozen=True)
class Topology:
    """Where it listens and what it talks to, from the environment `make prod-local` passes on."""

    host: str
    port: int
    var_dir: Path
    database_url: str
    broker_url: str
    cache_url: str
    web_workers: int
    worker_concurrency: int
    demo: bool

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, demo: bool) -> "Topology":
        return cls(
            host=environ.get("HOST", "127.0.0.1"),
            port=int(environ.get("PORT", "8000")),
            var_dir=Path(environ.get("CIVICLOOP_VAR_DIR") or ROOT / "var" / "prod-local").resolve(),
            database_url=environ.get("DATABASE_URL")
            or f"postgres://{getpass.getuser()}@127.0.0.1:5432/civicloop_prod_local",
            broker_url=environ.get("CIVICLOOP_CELERY_BROKER_URL") or "redis://127.0.0.1:6379/2",
            cache_url=environ.get("CIVICLOOP_CACHE_URL") or "redis://127.0.0.1:6379/1",
            web_workers=int(environ.get("WEB_WORKERS", "2")),
            worker_concurrency=int(environ.get("CELERY_CONCURRENCY", "2")),
            demo=demo,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def throwaway_keys(var_dir: Path) -> dict[str, str]:
    """The secret key, audit key and classification keys of this installation: made once, kept in VAR_DIR."""
    path = var_dir / "prod-local-keys.json"
    if not path.exists():

        def key(key_id: str) -> str:
            return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"

        made = {
            "CIVICLOOP_SECRET_KEY": secrets.token_urlsafe(50),
            "CIVICLOOP_AUDIT_KEY": key("prod-local"),
            "CIVICLOOP_KEK_SECRET": key("prod-local-secret"),
            "CIVICLOOP_KEK_TOP_SECRET": key("prod-local-top-secret"),
        }
        path.touch(mode=0o600)
        path.write_text(json.dumps(made, indent=2))
    keys: dict[str, str] = json.loads(path.read_text())
    return keys


def production_environment(topology: Topology, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of every process: the caller's, less DEBUG, plus production values and the keys."""
    env = {name: value for name, value in environ.items() if name != "CIVICLOOP_DEBUG"}
    signing = topology.var_dir / "signing"
    env.update(throwaway_keys(topology.var_dir))
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CIVICLOOP_VAR_DIR=str(topology.var_dir),
        DATABASE_URL=topology.database_url,
        CIVICLOOP_CELERY_BROKER_URL=topology.broker_url,
        CIVICLOOP_CACHE_URL=topology.cache_url,
        CIVICLOOP_STATIC_HASHED="1",
        CIVICLOOP_SECURE="0",  # plain HTTP on this machine: no TLS proxy in front
        CIVICLOOP_SITE_URL=environ.get("CIVICLOOP_SITE_URL") or topology.url,
        # The demo CA's files, made once by create_demo_ca, configured as a municipality's own key would be.
        CIVICLOOP_SIGNING_KEY_FILE=str(signing / "signer.key"),
        CIVICLOOP_SIGNING_CERT_FILE=str(signing / "signer.pem"),
        CIVICLOOP_SIGNING_CHAIN_FILES=str(signing / "demo-root.pem"),
        CIVICLOOP_DEMO="1" if topology.demo else "0",
    )
    env.setdefault("CIVICLOOP_LOG_FORMAT", "json")
    env.setdefault("CIVICLOOP_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    if topology.demo:
        env["CIVICLOOP_DEMO_ON_PUBLIC_SITE"] = "I-understand"  # a staging site on this machine (security.md)
    if topology.host not in {"127.0.0.1", "localhost"}:
        env.setdefault("CIVICLOOP_ALLOWED_HOSTS", f"{topology.host},127.0.0.1,localhost")
    return env


class CannotStart(Exception):
    """A service this topology needs is missing; the message says what to do."""


def ensure_database(database_url: str) -> str:
    """Create the PostgreSQL database if it is missing; 'created' or 'exists'."""
    config = dj_database_url.parse(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise CannotStart(f"make prod-local runs on PostgreSQL; DATABASE_URL names {config['ENGINE']}")
    where = f"{config.get('HOST') or 'the local socket'}:{config.get('PORT') or 5432} as {config.get('USER')}"
    try:
        with psycopg.connect(
            dbname="postgres",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=3,
            autocommit=True,
        ) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
                return "exists"
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return "created"
    except psycopg.OperationalError as exc:
        raise CannotStart(
            f"PostgreSQL does not answer at {where}: {str(exc).strip()}\n"
            "Start it (Debian: pg_ctlcluster 15 main start), or point DATABASE_URL at one:\n"
            "  DATABASE_URL=postgres://user:password@host:5432/civicloop_prod_local make prod-local"
        ) from exc


def ensure_redis(name: str, url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise CannotStart(
            f"Redis does not answer at {url} ({name}): {exc}\n"
            "Start it (redis-server --daemonize yes --bind 127.0.0.1), or set "
            "CIVICLOOP_CELERY_BROKER_URL and CIVICLOOP_CACHE_URL."
        ) from exc


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex((host, port)) == 0:
            raise CannotStart(f"{host}:{port} is taken by another process: PORT=8301 make prod-local")


def manage(env: Mapping[str, str], *args: str) -> str:
    """One manage.py command with the production environment; its output, or CannotStart with it."""
    done = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=dict(env), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise CannotStart(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare(topology: Topology, env: Mapping[str, str]) -> str:
    """Database, catalogue, demo data (with --demo), signing CA, static files; the demo's sign-in block."""
    if not (topology.var_dir / "signing" / "signer.key").exists():
        manage({**env, "CIVICLOOP_SIGNING_KEY_FILE": "", "CIVICLOOP_SIGNING_CERT_FILE": ""}, "create_demo_ca")
    say("migrate, load_catalog" + (", the demo data (prepare_demo)" if topology.demo else ""))
    if topology.demo:
        manage(env, "prepare_demo")
    else:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_catalog")
    say("collectstatic (content-hashed names)")
    manage(env, "collectstatic", "--noinput", "-v0")
    return manage(env, "seed_demo") if topology.demo else ""


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)

    def start(self) -> None:
        out: IO[bytes] = open(self.log, "ab")  # noqa: SIM115 - the child holds it
        self.process = subprocess.Popen(  # noqa: S603 - our own servers
            self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self.starts = [t for t in self.starts if t > time.monotonic() - 60] + [time.monotonic()]

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn and celery: a warm shutdown

    def kill(self) -> None:
        """SIGKILL to its whole process group: also the workers a killed master left behind."""
        if self.process:
            with contextlib.suppress(ProcessLookupError):  # the group is gone
                os.killpg(self.process.pid, signal.SIGKILL)


def services(topology: Topology, env: dict[str, str]) -> list[Service]:
    logs = topology.var_dir / "logs"
    logs.mkdir(exist_ok=True)
    web_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(topology.var_dir / "metrics")}
    web = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"{topology.host}:{topology.port}"]
    web += ["--workers", str(topology.web_workers), "--timeout", "60", "--graceful-timeout", "20"]
    celery = [str(BIN / "celery"), "-A", "config"]
    worker = [*celery, "worker", "--loglevel", "WARNING", "--concurrency", str(topology.worker_concurrency)]
    return [
        Service("web", web, web_env, logs / "web.log"),
        Service("worker", worker, env, logs / "worker.log"),
        Service("beat", [*celery, "beat", "--loglevel", "WARNING"], env, logs / "beat.log"),
    ]


def empty_metrics_folder(var_dir: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR is emptied at every start of the web service (operations.md, "Prometheus")."""
    folder = var_dir / "metrics"
    folder.mkdir(exist_ok=True)
    for stale in folder.iterdir():
        stale.unlink()


def write_pids(topology: Topology, running: list[Service]) -> Path:
    """The running processes' pids, replaced whole (a rename), so a reader never sees half a file."""
    path = topology.var_dir / "prod-local.pids"
    fresh = path.with_suffix(".pids.new")
    fresh.write_text(json.dumps({"supervisor": os.getpid(), **{s.name: s.pid for s in running}}) + "\n")
    fresh.replace(path)
    return path


def write_env_file(topology: Topology, env: Mapping[str, str]) -> Path:
    """`set -a; . <file>` gives a shell this site's environment, to run manage.py against it."""
    path = topology.var_dir / "prod-local.env"
    path.touch(mode=0o600)
    names = sorted(n for n in env if n.startswith("CIVICLOOP_") or n in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"})
    path.write_text("".join(f"{name}={shlex.quote(env[name])}\n" for name in names))
    return path


def wait_until_answering(url: str, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our own server
                return True
        except OSError:
            time.sleep(0.5)
    return False


def say(line: str) -> None:
    print(f"prod-local: {line}", flush=True)


def banner(topology: Topology, running: list[Service], pids: Path, env_file: Path) -> str:
    lines = [RULE, f" civicloop, the production topology on this machine   {topology.url}/", RULE]
    for service in running:
        program = " ".join([Path(service.command[0]).name, *service.command[1:4]])
        lines.append(f" {service.name:<8} pid {service.pid:<8} {program:<42} log {service.log}")
    lines += [
        f" database {topology.database_url}",
        f" broker   {topology.broker_url}   cache {topology.cache_url}",
        f" pids     {pids}  (gunicorn's workers: pgrep -P <web pid>; a process that dies is restarted)",
        f" manage   set -a; . {env_file}; set +a; .venv/bin/python manage.py <command>",
        " stop     Ctrl+C (or SIGTERM to the supervisor)",
        RULE,
    ]
    return "\n".join(lines)


class Supervisor:
    """Starts the services, restarts one that dies, stops them all on Ctrl-C or SIGTERM."""

    def __init__(self, topology: Topology, running: list[Service]) -> None:
        self.topology, self.running, self.stopping = topology, running, False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def watch(self) -> int:
        while not self.stopping:
            time.sleep(0.5)
            for service in self.running:
                code = service.process.poll() if service.process else None
                if code is None or self.stopping:
                    continue
                if len(service.starts) >= 5:
                    say(f"{service.name} exited ({code}) five times within a minute; see {service.log}")
                    return 1
                say(f"{service.name} (pid {service.pid}) exited with {code}; starting it again")
                service.kill()
                time.sleep(1)
                service.start()
                write_pids(self.topology, self.running)
                say(f"{service.name} is pid {service.pid}")
        return 0

    def stop_all(self, grace: float = 25.0) -> None:
        say("stopping web, worker and beat …")
        for service in self.running:
            service.stop()
        deadline = time.monotonic() + grace
        for service in self.running:
            while service.process and service.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            service.kill()
        say("stopped")


def run(topology: Topology) -> int:
    topology.var_dir.mkdir(parents=True, exist_ok=True)
    ensure_port_free(topology.host, topology.port)
    say(f"PostgreSQL: database {ensure_database(topology.database_url)} ({topology.database_url})")
    ensure_redis("broker", topology.broker_url)
    ensure_redis("cache", topology.cache_url)
    env = production_environment(topology, os.environ)
    demo_block = prepare(topology, env)
    empty_metrics_folder(topology.var_dir)
    running = services(topology, env)
    supervisor = Supervisor(topology, running)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    for service in running:
        service.start()
    pids = write_pids(topology, running)
    try:
        if not wait_until_answering(topology.url):
            say(f"the web server did not answer /healthz within 90 s; see {running[0].log}")
            return 1
        print(demo_block + banner(topology, running, pids, write_env_file(topology, env)), flush=True)
        return supervisor.watch()
    finally:
        supervisor.stop_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--demo", action="store_true", help="demo residents, staff and history (prepare_demo)")
    args = parser.parse_args(argv)
    try:
        return run(Topology.from_environment(os.environ, demo=args.demo))
    except CannotStart as exc:
        print(f"prod-local: cannot start.\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C while preparing, before the servers started
        return 130


if __name__ == "__main__":
    sys.exit(main())
