# SPDX-License-Identifier: MPL-2.0
"""The Dockerfile, compose.yaml and `make prod-local` agree with the code they start (docs/operations.md,
"Containers"). No image is built here (no Docker daemon): each service's entry point is run or
imported on this machine instead, and compose.yaml goes through `docker-compose config` when that
is installed."""

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

from civicloop.ops import prod_local

ROOT = Path(settings.BASE_DIR)
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
VENV_BIN = Path(sys.executable).parent  # gunicorn, celery and python of this run
# What compose needs set before it will read the file (compose.yaml's ${…:?} values).
COMPOSE_SECRETS = {
    "POSTGRES_PASSWORD": "p",
    "CIVICLOOP_SECRET_KEY": "s",
    "CIVICLOOP_AUDIT_KEY": "a",
    "CIVICLOOP_KEK_SECRET": "k",
    "CIVICLOOP_KEK_TOP_SECRET": "t",
}


def _compose() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return parsed


def _app_services() -> dict[str, dict[str, Any]]:
    """The services that run the civicloop image (the others are postgres, redis and the S3 emulator)."""
    return {name: s for name, s in _compose()["services"].items() if s.get("build") == "."}


def _read_variables() -> set[str]:
    """Every variable config/settings.py and its readers in config/env.py take from the environment."""
    source = (ROOT / "config" / "settings.py").read_text() + (ROOT / "config" / "env.py").read_text()
    return set(re.findall(r'"((?:CIVICLOOP|DATABASE|PROMETHEUS)_[A-Z0-9_]+)"', source))


def _entrypoint_roles() -> dict[str, str]:
    """Each role of deploy/entrypoint.sh and the command its `exec` runs."""
    arms = re.findall(r"^  ([a-z|]+)\)\n(.*?)\n    ;;", ENTRYPOINT.read_text(), flags=re.MULTILINE | re.DOTALL)
    return {role: body for role, body in arms}


def _run_entrypoint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(  # noqa: S603 - our own script
        ["/bin/sh", str(ENTRYPOINT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_every_app_service_runs_a_role_the_entry_point_knows() -> None:
    roles = _entrypoint_roles()
    commands = {name: service["command"][0] for name, service in _app_services().items()}
    assert commands == {"migrate": "migrate", "web": "web", "asgi": "asgi", "worker": "worker", "beat": "beat"}
    assert set(commands.values()) <= set(roles)


def test_the_web_role_serves_the_wsgi_application_gunicorn_can_load() -> None:
    assert "gunicorn config.wsgi:application" in _entrypoint_roles()["web"]
    # gunicorn imports the application and exits: config.wsgi loads with these settings.
    done = _run_entrypoint("web", "--check-config")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_asgi_role_serves_the_websockets_application_uvicorn_can_load() -> None:
    role = _entrypoint_roles()["asgi"]
    assert "uvicorn config.asgi:application" in role
    # uvicorn's own import of "module:attribute" loads config.asgi (in a process of its own, as the
    # web role's check does: the module refuses the demo outside DEBUG, like the real server)...
    load = "from uvicorn.importer import import_from_string as i; assert callable(i('config.asgi:application'))"
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", load], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # ...and every option the role passes is one this uvicorn knows.
    usage = subprocess.run([str(VENV_BIN / "uvicorn"), "--help"], capture_output=True, text=True, timeout=60)  # noqa: S603
    for option in re.findall(r"(--[a-z-]+)", role):
        assert option in usage.stdout, option


def test_worker_and_beat_run_the_celery_app_named_config() -> None:
    roles = _entrypoint_roles()
    assert "celery -A config worker" in roles["worker"]
    assert "celery -A config beat" in roles["beat"]
    app = find_app("config")
    assert app.main == "civicloop"
    assert len(app.conf.beat_schedule) == len(settings.WORKER_TASKS)
    assert {entry["task"] for entry in app.conf.beat_schedule.values()} <= set(app.tasks)
    done = _run_entrypoint("beat", "--help")
    assert done.returncode == 0 and "--schedule" in done.stdout, done.stderr


def test_the_migrate_role_runs_commands_that_exist() -> None:
    body = _entrypoint_roles()["migrate"]
    named = set(re.findall(r"manage\.py (\w+)", body))
    assert named == {"migrate", "load_catalog", "prepare_demo"}
    # prepare_demo lives in the demo app, which the test run installs (CIVICLOOP_DEBUG=1).
    assert named <= set(get_commands())


def test_every_variable_compose_sets_for_the_app_is_one_the_settings_read() -> None:
    read = _read_variables()
    entrypoint_reads = set(re.findall(r"\$\{([A-Z_]+)", ENTRYPOINT.read_text()))
    for name, service in _app_services().items():
        unknown = set(service["environment"]) - read - entrypoint_reads
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


def test_every_variable_the_image_and_prod_local_set_is_one_the_settings_read(tmp_path: Path) -> None:
    read = _read_variables() | {"DJANGO_SETTINGS_MODULE"}
    image_env = set(re.findall(r"\b(CIVICLOOP_[A-Z_]+)=", (ROOT / "Dockerfile").read_text()))
    assert image_env and image_env <= read
    topology = prod_local.Topology.from_environment({"CIVICLOOP_VAR_DIR": str(tmp_path)}, demo=True)
    env = prod_local.production_environment(topology, {"CIVICLOOP_DEBUG": "1", "PATH": "/usr/bin"})
    assert "CIVICLOOP_DEBUG" not in env
    assert {name for name in env if name != "PATH"} <= read


def test_every_healthcheck_asks_a_routed_probe() -> None:
    asked = []
    for service in _compose()["services"].values():
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        asked += re.findall(r"""['"](/[a-z]+)['"]""", test)
    assert sorted(asked) == ["/healthz", "/readyz"]
    assert {resolve(path).url_name for path in asked} == {"probe-live", "probe-ready"}


def test_the_dockerfile_starts_the_entry_point_and_installs_only_requirements_txt() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \["/app/deploy/entrypoint\.sh"\]$', dockerfile, flags=re.MULTILINE)
    assert re.search(r'^CMD \["web"\]$', dockerfile, flags=re.MULTILINE)
    assert os.access(ENTRYPOINT, os.X_OK)
    assert re.findall(r"pip install ([^\n\\&]+)", dockerfile) == ["-r requirements.txt"]
    assert "COPY requirements.txt" in dockerfile
    assert "FROM python:3.11-slim-bookworm" in dockerfile


def test_the_image_leaves_out_local_state() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", ".env"} <= ignored


DOCKER_COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(not DOCKER_COMPOSE, reason="docker-compose (Debian package) not installed")
def test_docker_compose_accepts_the_file() -> None:
    done = subprocess.run(  # noqa: S603 - a fixed command
        [str(DOCKER_COMPOSE), "-f", str(ROOT / "compose.yaml"), "config", "-q"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **COMPOSE_SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_the_pids_file_is_replaced_whole(tmp_path: Path) -> None:
    # given prod-local's pids file from an earlier start
    topology = dataclasses.replace(prod_local.Topology.from_environment({}, demo=False), var_dir=tmp_path)
    (tmp_path / "prod-local.pids").write_text('{"web": 1}\n')
    running: Any = [type("Service", (), {"name": "web", "pid": 4242})()]
    # when a process is restarted and the pids written again
    path = prod_local.write_pids(topology, running)
    # then readers (bench/faults.py) find the new file whole, and no partial file is left beside it
    assert json.loads(path.read_text()) == {"supervisor": os.getpid(), "web": 4242}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prod-local.pids"]
