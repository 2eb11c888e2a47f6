# SPDX-License-Identifier: MPL-2.0
"""The variables of health, metrics and logs, read by config/settings.py: defaults, and bad values failing at start."""

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_metrics_answer_only_loopback_until_a_token_is_set(read_settings: Any) -> None:
    assert read_settings()["METRICS_ALLOWED_NETWORKS"] == ["127.0.0.0/8", "::1/128"]
    assert read_settings(CIVICLOOP_METRICS_TOKEN="t" * 32)["METRICS_ALLOWED_NETWORKS"] == []
    chosen = read_settings(CIVICLOOP_METRICS_TOKEN="t" * 32, CIVICLOOP_METRICS_ALLOWED_NETWORKS="10.0.0.0/8, fd00::/8")
    assert chosen["METRICS_ALLOWED_NETWORKS"] == ["10.0.0.0/8", "fd00::/8"]


def test_a_short_metrics_token_fails_at_start(read_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_METRICS_TOKEN must be at least 32"):
        read_settings(CIVICLOOP_METRICS_TOKEN="letmein")


def test_an_allowed_network_that_is_not_one_fails_at_start(read_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="'intranet' is not a network"):
        read_settings(CIVICLOOP_METRICS_ALLOWED_NETWORKS="127.0.0.1,intranet")


def test_the_log_format_is_text_or_json(read_settings: Any) -> None:
    assert read_settings()["LOGGING"]["handlers"]["console"]["formatter"] == "text"
    assert read_settings(CIVICLOOP_LOG_FORMAT="json")["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_LOG_FORMAT must be json or text"):
        read_settings(CIVICLOOP_LOG_FORMAT="JSON-lines")


def test_the_lag_is_reported_without_failing_readiness_by_default(read_settings: Any) -> None:
    read = read_settings()
    assert (read["READY_OUTBOX_LAG_SECONDS"], read["READY_QUEUE_LAG_SECONDS"]) == (0, 0)
    with pytest.raises(ImproperlyConfigured):
        read_settings(CIVICLOOP_READY_OUTBOX_LAG_SECONDS="-1")


def test_a_multiprocess_folder_that_does_not_exist_fails_at_start(read_settings: Any, tmp_path: Path) -> None:
    assert read_settings(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)
    with pytest.raises(ImproperlyConfigured, match="PROMETHEUS_MULTIPROC_DIR must be an existing folder"):
        read_settings(PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "missing"))
