# SPDX-License-Identifier: MPL-2.0
"""In JSON log mode each request is one JSON line: method, URL name, status, time, request id, user pk."""

import io
import json
import logging
import logging.config
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from civicloop.accounts.models import User


@pytest.fixture
def json_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[io.StringIO]:
    """The access logger writing through the console handler that CIVICLOOP_LOG_FORMAT=json configures."""
    monkeypatch.setenv("CIVICLOOP_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CIVICLOOP_LOG_FORMAT", "json")
    config = runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"), run_name="settings_under_test")[
        "LOGGING"
    ]
    configurator = logging.config.DictConfigurator(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configurator.configure_formatter(dict(config["formatters"]["json"])))
    handler.addFilter(configurator.configure_filter(dict(config["filters"]["request_id"])))
    access = logging.getLogger("civicloop.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(config["loggers"]["civicloop.access"]["level"])
    try:
        yield stream
    finally:
        access.removeHandler(handler)
        access.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_is_one_json_line_with_its_facts(json_lines: io.StringIO, resident: User) -> None:
    # given a signed-in resident
    client = Client()
    client.force_login(resident)
    # when they open their notices
    response = client.get("/notifications/", headers={"X-Request-ID": "lb-7f3a9c2e41"})
    # then one line says what happened, and nothing about who beyond the user's key
    (line,) = lines(json_lines)
    assert set(line) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "user_id",
    }
    assert line["level"] == "INFO"
    assert line["logger"] == "civicloop.access"
    assert line["request_id"] == "lb-7f3a9c2e41" == response["X-Request-ID"]
    assert (line["method"], line["route"], line["status"]) == ("GET", "notifications:notice-list", 200)
    assert line["user_id"] == resident.pk
    assert line["duration_ms"] > 0
    assert line["time"].endswith("+00:00")
    raw = json_lines.getvalue()
    assert resident.full_name not in raw
    assert str(resident.public_id) not in raw


def test_a_guest_has_no_user_id(json_lines: io.StringIO, db: None) -> None:
    Client().get("/no-such-page/")
    (line,) = lines(json_lines)
    assert (line["route"], line["status"], line["user_id"]) == ("unmatched", 404, None)


def test_probes_and_scrapes_write_no_access_line(json_lines: io.StringIO, db: None) -> None:
    client = Client()
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200
    assert json_lines.getvalue() == ""


def test_in_text_mode_the_access_logger_is_quiet() -> None:
    # The test run uses the default (text): the development server prints its own access lines.
    assert settings.LOG_FORMAT == "text"
    assert not logging.getLogger("civicloop.access").isEnabledFor(logging.INFO)
