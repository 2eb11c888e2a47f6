# SPDX-License-Identifier: MPL-2.0
"""With DEBUG off, the demo (anyone signs in as any resident; documents signed by the demo CA) fails
`check --deploy` and stops the web process, unless a staging site says CIVICLOOP_DEMO_ON_PUBLIC_SITE=I-understand.

Each case runs manage.py or imports config.wsgi in a fresh process with production settings, as a
deployment would: the settings are read once, at start.
"""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _kek() -> str:
    return "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()


def _production(var_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings: DEBUG off, a real secret key and keys, nothing inherited from the test run."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CIVICLOOP_", "DATABASE_URL"))}
    env.update(
        CIVICLOOP_DEBUG="0",
        CIVICLOOP_SECRET_KEY=secrets.token_urlsafe(50),
        CIVICLOOP_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        CIVICLOOP_KEK_SECRET=_kek(),
        CIVICLOOP_KEK_TOP_SECRET=_kek(),
        CIVICLOOP_ALLOWED_HOSTS="portal.city.example",
        **extra,
    )
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_fails_naming_the_demo_provider_and_the_demo_ca(tmp_path: Path) -> None:
    # when `check --deploy` runs with production settings and the demo on
    done = _run(_production(tmp_path, CIVICLOOP_DEMO="1"), "manage.py", "check", "--deploy")
    # then it fails, and says why
    assert done.returncode != 0
    report = done.stdout + done.stderr
    assert "demo.E001" in report and "demo identity provider" in report
    assert "demo.E002" in report and "demo CA" in report


def test_check_deploy_names_no_demo_error_with_the_demo_off(tmp_path: Path) -> None:
    done = _run(_production(tmp_path, CIVICLOOP_DEMO="0"), "manage.py", "check", "--deploy")
    assert "demo.E00" not in done.stdout + done.stderr


def test_the_staging_switch_does_not_quiet_check_deploy(tmp_path: Path) -> None:
    env = _production(tmp_path, CIVICLOOP_DEMO="1", CIVICLOOP_DEMO_ON_PUBLIC_SITE="I-understand")
    done = _run(env, "manage.py", "check", "--deploy")
    assert done.returncode != 0
    assert "demo.E001" in done.stdout + done.stderr


def test_the_web_process_refuses_to_start_with_the_demo_on(tmp_path: Path) -> None:
    done = _run(_production(tmp_path, CIVICLOOP_DEMO="1"), "-c", "import config.wsgi")
    assert done.returncode != 0
    assert "Refusing to start" in done.stderr
    assert "demo identity provider" in done.stderr


def test_a_staging_site_starts_with_the_switch_and_is_warned_at_start(tmp_path: Path) -> None:
    env = _production(tmp_path, CIVICLOOP_DEMO="1", CIVICLOOP_DEMO_ON_PUBLIC_SITE="I-understand")
    done = _run(env, "-c", "import config.wsgi")
    assert done.returncode == 0, done.stderr
    assert "CIVICLOOP_DEMO_ON_PUBLIC_SITE=I-understand" in done.stderr
    assert "demo identity provider" in done.stderr
