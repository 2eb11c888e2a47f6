# SPDX-License-Identifier: MPL-2.0
"""The first hour: `make run` on another port, and every command README.md shows, run as shown.

These run `make` in a subprocess with the environment a newcomer has: none of the CIVICLOOP_*
variables the test settings set.
"""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _newcomer_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLOOP_", "DATABASE_URL", "DJANGO_"))}
    env["CIVICLOOP_VAR_DIR"] = str(tmp_path)  # the one variable kept: never touch the developer's var/
    return env


def _make(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # -o: use the installed .venv as it is; a test must never run pip (no network, no side effects).
    command = ["make", "--no-print-directory", "-o", ".venv/.installed-run", "-o", ".venv/.installed-dev", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603 - make, our Makefile


def _site_url_for(make_args: list[str], env: dict[str, str]) -> str:
    """CIVICLOOP_SITE_URL as the Makefile's recipes (and so manage.py) see it."""
    shown = _make(["--eval", "show-site-url: ; @echo $$CIVICLOOP_SITE_URL", "show-site-url", *make_args], env)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.strip()


def test_the_site_url_follows_the_makefiles_host_and_port(tmp_path: Path) -> None:
    env = _newcomer_env(tmp_path)
    assert _site_url_for([], env) == "http://127.0.0.1:8000"
    assert _site_url_for(["PORT=8101"], {**env, "PORT": "8101"}) == "http://127.0.0.1:8101"
    assert _site_url_for(["HOST=localhost", "PORT=8101"], env) == "http://localhost:8101"


def test_a_site_url_that_is_set_wins_over_host_and_port(tmp_path: Path) -> None:
    env = {**_newcomer_env(tmp_path), "CIVICLOOP_SITE_URL": "https://demo.city.example"}
    assert _site_url_for(["PORT=8101"], env) == "https://demo.city.example"


def readme_commands() -> list[str]:
    """Every shell command README.md shows: lines of ```sh blocks and `inline code` that runs something."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        commands += [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    for span in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S)):
        if re.match(r"^([A-Z_]+=\S+ )*(make|python\S*|\.venv/bin/\S+|\S*manage\.py) ", span):
            commands.append(span)
    return commands


def test_the_readme_shows_commands_a_newcomer_can_run_from_a_fresh_checkout() -> None:
    commands = readme_commands()
    assert "make run" in commands and "make totp who=clerk-seiso" in commands  # the parser still finds them
    for command in commands:
        words = shlex.split(command)
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words.pop(0)
        # manage.py refuses to start without the variables the Makefile exports (CIVICLOOP_DEBUG …),
        # so the README reaches every command through make.
        assert words[0] == "make", f"README shows {command!r}: run it through make (make manage cmd=…)"


def test_every_make_command_in_the_readme_names_a_target_that_exists(tmp_path: Path) -> None:
    env = _newcomer_env(tmp_path)
    for command in readme_commands():
        words = shlex.split(command)
        assignments = [w for w in words if re.match(r"^[A-Z_]+=", w)]
        make_args = [w for w in words[words.index("make") + 1 :]] if "make" in words else []
        dry_run = _make(["-n", *make_args], {**env, **dict(a.split("=", 1) for a in assignments)})
        assert dry_run.returncode == 0, f"{command}: {dry_run.stderr}"


@pytest.mark.parametrize(
    "shown",
    [
        "make totp who=clerk-seiso",
        "make manage cmd=load_catalog",
        "make manage cmd=verify_audit_chain",
    ],
)
def test_the_manage_commands_the_readme_shows_start_without_any_variable_set(shown: str, tmp_path: Path) -> None:
    # The README's own command, asked for its help: settings load (no ImproperlyConfigured about
    # the secret key) and the command exists, with nothing but make and a fresh VAR_DIR.
    assert shown in readme_commands()
    words = shlex.split(shown)[1:]
    asked = [f"{w} --help" if w.startswith("cmd=") else "who=--help" if w.startswith("who=") else w for w in words]
    result = _make(asked, _newcomer_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "usage: manage.py" in result.stdout
