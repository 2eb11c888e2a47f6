# SPDX-License-Identifier: MPL-2.0
"""`serve_demo` (make run) ends its start-up with one block: where to go and how to sign in."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from civicloop.demo.management.commands.serve_demo import Command
from civicloop.demo.residents import DEMO_RESIDENTS
from civicloop.demo.seed import demo_admin_password, demo_staff_usernames

pytestmark = pytest.mark.django_db


def _bound(port: int, addr: str = "127.0.0.1") -> tuple[str, str]:
    """What the server prints the moment it listens on addr:port: (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    command = Command(stdout=out, stderr=err)
    command.addr = addr
    command.on_bind(port)
    return out.getvalue(), err.getvalue()


def test_it_ends_the_start_up_with_the_url_the_residents_the_staff_logins_and_how_to_get_codes(
    catalog: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    monkeypatch.delenv("CIVICLOOP_VAR_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings.SITE_URL = "http://127.0.0.1:8101"
    call_command("seed_demo", verbosity=0)

    # when
    out, err = _bound(8101)

    # then
    block = out.strip().splitlines()
    assert block[0] == block[-1] and set(block[0]) == {"─"}  # one ruled block, and nothing after it
    text = "\n".join(block)
    assert "http://127.0.0.1:8101/" in block[1]
    assert all(resident["name"] in text for resident in DEMO_RESIDENTS)
    assert "http://127.0.0.1:8101/staff/login/" in text and demo_admin_password() in text
    assert all(username in text for username in demo_staff_usernames())
    assert "make totp who=clerk-seiso" in text
    assert err == ""


def test_the_code_command_names_the_installation_it_was_started_for(
    catalog: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVICLOOP_VAR_DIR", "/tmp/my demo")
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the PostgreSQL run sets it; it would be named too
    settings.SITE_URL = "http://127.0.0.1:8000"
    out, _err = _bound(8000)
    assert "CIVICLOOP_VAR_DIR='/tmp/my demo' make totp who=clerk-seiso" in out


def test_a_server_on_another_port_than_the_site_url_says_sign_in_will_fail(catalog: None, settings: Any) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    _out, err = _bound(8101)
    assert "CIVICLOOP_SITE_URL is http://127.0.0.1:8000" in err and "PORT=8101 make run" in err


def test_a_restart_after_a_code_change_prints_one_line_not_the_block_again(
    catalog: None, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given: the auto-reloader's child process, once at start and once after a change
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8000"
    monkeypatch.setenv(DJANGO_AUTORELOAD_ENV, "true")

    # when
    first, _ = _bound(8000)
    again, _ = _bound(8000)

    # then
    assert "staff/login" in first
    assert again.strip() == "civicloop: restarted after a code change, http://127.0.0.1:8000/"
