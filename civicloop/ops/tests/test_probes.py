# SPDX-License-Identifier: MPL-2.0
"""/healthz and /readyz as a load balancer sees them: through the whole middleware stack, no cookies."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from civicloop.core.models import Event
from civicloop.notifications.models import Channel, Message
from civicloop.relay.models import ConsumerCursor

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: refused at once


def ready(**headers: str) -> Any:
    return Client().get("/readyz", headers=headers)


def an_event(*, minutes_ago: int, position: int | None = None) -> Event:
    return Event.objects.create(
        source="urn:lg:131130",
        type="jp.lg.civicloop.test.happened",
        time=timezone.now() - timedelta(minutes=minutes_ago),
        position=position,
        relayed_at=timezone.now() if position else None,
    )


def a_notice(*, due_minutes_ago: int, status: str = Message.Status.QUEUED) -> Message:
    return Message.objects.create(
        template_code="receipt",
        channel=Channel.EMAIL,
        address="someone@example.jp",
        recipient_ref="someone@example.jp",
        dedupe_key=f"test/{due_minutes_ago}/{status}",
        title="受付",
        body="受付しました",
        status=status,
        next_attempt_at=timezone.now() - timedelta(minutes=due_minutes_ago),
    )


def test_healthz_answers_without_touching_the_database() -> None:
    # No database fixture: a query here would fail the test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_over_plain_http_are_not_redirected_to_https(settings: Any, path: str, db: None) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # its middleware reads the settings now
    assert client.get("/").status_code == 301  # the redirect is on for pages
    assert client.get(path).status_code == 200


def test_readyz_lists_each_check_with_its_outcome_and_time(db: None, settings: Any) -> None:
    settings.CIVICLOOP_REDIS_URL = ""
    response = ready()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "outbox_lag", "queue_lag"}
    for check in body["checks"].values():
        assert check["ok"] is True
        assert isinstance(check["detail"], str)
        assert check["duration_ms"] >= 0
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_503_when_the_database_does_not_answer(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> None:
        raise OperationalError('password authentication failed for user "civicloop-db-owner"')

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connection, "cursor", refused)
        response = ready()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["detail"] == "unavailable: OperationalError"
    assert checks["outbox_lag"]["detail"] == "skipped: the database is unavailable"
    assert "civicloop-db-owner" not in response.content.decode()  # the error text stays in the log


def test_readyz_is_503_when_the_shared_cache_does_not_answer(db: None, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_PORT}}
    settings.SHARED_CACHE = True
    response = ready()
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_the_relays_redis_is_reported_but_not_required(db: None, settings: Any) -> None:
    settings.CIVICLOOP_REDIS_URL = CLOSED_PORT
    response = ready()
    assert response.status_code == 200
    assert response.json()["checks"]["relay_wakeup"] == {
        "ok": False,
        "detail": "unavailable: ConnectionError",
        "duration_ms": response.json()["checks"]["relay_wakeup"]["duration_ms"],
        "required": False,
    }


def test_readyz_is_503_when_the_files_cannot_be_written(db: None, settings: Any, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "a-file" / "media")},
        },
    }
    response = ready()
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_other_storage_backends_are_asked_for_a_marker_written_once(db: None, settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert ready().json()["checks"]["storage"]["detail"] == "marker object written"
    response = ready()
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["detail"] == "marker object present"


def test_an_event_no_consumer_has_applied_past_the_threshold_makes_it_503(db: None, settings: Any) -> None:
    # given an event written ten minutes ago that the relay has numbered but no consumer applied
    settings.READY_OUTBOX_LAG_SECONDS = 300
    an_event(minutes_ago=10, position=1)
    # then
    response = ready()
    assert response.status_code == 503
    detail = response.json()["checks"]["outbox_lag"]["detail"]
    assert detail.startswith("oldest event waiting 600 s")
    assert detail.endswith("over 300 s (behind: analytics, cases, notifications, webhooks)")


def test_the_outbox_lag_is_the_slowest_consumers(db: None, settings: Any) -> None:
    settings.READY_OUTBOX_LAG_SECONDS = 300
    an_event(minutes_ago=10, position=1)
    for name in settings.EVENT_CONSUMERS:
        ConsumerCursor.objects.update_or_create(name=name, defaults={"position": 1})
    assert ready().status_code == 200

    ConsumerCursor.objects.filter(name="analytics").update(position=0)
    assert ready().status_code == 503


def test_an_event_the_relay_has_not_numbered_counts_too(db: None, settings: Any) -> None:
    settings.READY_OUTBOX_LAG_SECONDS = 300
    an_event(minutes_ago=10)
    assert ready().status_code == 503
    settings.READY_OUTBOX_LAG_SECONDS = 3600
    assert ready().status_code == 200


def test_a_lag_threshold_of_zero_reports_without_failing(db: None, settings: Any) -> None:
    settings.READY_OUTBOX_LAG_SECONDS = 0
    settings.READY_QUEUE_LAG_SECONDS = 0
    an_event(minutes_ago=600)
    a_notice(due_minutes_ago=600)
    response = ready()
    assert response.status_code == 200
    assert response.json()["checks"]["queue_lag"]["detail"] == "1 notices waiting; the oldest due for 36000 s"


def test_a_notice_due_past_the_threshold_makes_it_503(db: None, settings: Any) -> None:
    settings.READY_QUEUE_LAG_SECONDS = 300
    a_notice(due_minutes_ago=1)
    assert ready().status_code == 200
    a_notice(due_minutes_ago=10)
    assert ready().status_code == 503


def test_a_notice_waiting_out_its_retry_backoff_is_not_lag(db: None, settings: Any) -> None:
    settings.READY_QUEUE_LAG_SECONDS = 300
    a_notice(due_minutes_ago=-30, status=Message.Status.FAILED)  # next attempt in 30 minutes
    response = ready()
    assert response.status_code == 200
    assert response.json()["checks"]["queue_lag"]["detail"] == "1 notices waiting; the oldest due for 0 s"
