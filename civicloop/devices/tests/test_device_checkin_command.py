# SPDX-License-Identifier: MPL-2.0
"""`manage.py device_checkin`: the fake agent, in process and over HTTP to a live server."""

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicloop.accounts.models import User
from civicloop.devices.models import Device


def _run(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("device_checkin", *args, stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


@pytest.mark.django_db
def test_the_fake_agent_reports_in_process(clerk: User, make_device: Callable[..., tuple[Device, str]]) -> None:
    device, token = make_device(clerk, Device.Kind.MANAGED, checked_in=False)
    result = _run("--token", token, "--os", "macOS", "--patch-level", "2026-11-01", "--disk-encrypted", "--screen-lock")
    assert result["device"] == str(device.public_id)
    device.refresh_from_db()
    assert device.last_posture["patch_level"] == "2026-11-01" and device.last_posture["disk_encrypted"] is True
    bad = _run("--token", token, "--os", "macOS", "--patch-level", "2026-11-01", "--no-disk-encrypted", "--screen-lock")
    assert "disk_not_encrypted" in bad["reasons"]  # type: ignore[operator]


@pytest.mark.django_db
def test_the_fake_agent_refuses_bad_input(clerk: User, make_device: Callable[..., tuple[Device, str]]) -> None:
    _device, token = make_device(clerk, checked_in=False)
    with pytest.raises(CommandError, match="bad posture"):
        _run("--token", token, "--os", "macOS", "--patch-level", "1 Nov")
    with pytest.raises(CommandError, match="no active device"):
        _run("--token", "cld_wrong", "--os", "macOS", "--patch-level", "2026-11-01")


@pytest.mark.django_db(transaction=True)
def test_the_fake_agent_posts_to_a_running_server(
    live_server: object, clerk: User, make_device: Callable[..., tuple[Device, str]]
) -> None:
    device, token = make_device(clerk, checked_in=False)
    url = str(live_server.url)  # type: ignore[attr-defined]
    result = _run("--url", url, "--token", token, "--os", "iOS", "--patch-level", "2026-11-01", "--screen-lock")
    assert result["device"] == str(device.public_id) and result["reasons"] == ["disk_not_encrypted"]
    with pytest.raises(CommandError, match="401"):
        _run("--url", url, "--token", "cld_wrong", "--os", "iOS", "--patch-level", "2026-11-01")
