# SPDX-License-Identifier: MPL-2.0
"""/metrics: who may scrape it, what its labels hold, and the gauges read at each scrape."""

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from civicloop.cases.models import Case
from civicloop.core.models import Event
from civicloop.relay.models import ConsumerCursor
from civicloop.testing.factories import CaseFactory

TOKEN = "0123456789abcdef0123456789abcdef"


def scrape(**extra: Any) -> Any:
    return Client().get("/metrics", **extra)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_a_token_it_answers_loopback(db: None) -> None:
    response = scrape(REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "civicloop_http_requests_total" in response.content.decode()
    assert "_created" not in response.content.decode()  # no timestamp series beside each counter
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "::ffff:203.0.113.9"])
def test_without_a_token_anyone_else_gets_a_clear_403(address: str) -> None:
    response = scrape(REMOTE_ADDR=address)
    assert response.status_code == 403
    assert "CIVICLOOP_METRICS_TOKEN" in response.content.decode()


def test_a_forwarded_for_header_grants_nothing() -> None:
    assert scrape(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


def test_with_a_token_configured_the_token_is_needed_even_on_loopback(db: None, settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    assert scrape(REMOTE_ADDR="127.0.0.1").status_code == 403
    assert scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    assert scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_allowed_networks_scrape_without_a_token(db: None, settings: Any) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert scrape(REMOTE_ADDR="10.20.3.4").status_code == 200
    assert scrape(REMOTE_ADDR="10.21.3.4").status_code == 403
    assert scrape(REMOTE_ADDR="127.0.0.1").status_code == 403  # the list replaces the loopback default


def test_labels_name_the_route_never_the_path(db: None) -> None:
    # given requests to addresses that hold an id, one known and one unknown
    public_id = uuid.uuid4()
    Client().get(f"/notifications/{public_id}/")
    Client().get(f"/no-such-page/{public_id}/")
    # when
    text = scrape().content.decode()
    # then the labels hold URL names, and the id appears nowhere
    assert str(public_id) not in text
    assert "no-such-page" not in text
    assert value(text, "civicloop_http_requests_total", method="GET", route="notifications:notice-detail", status="302")
    assert value(text, "civicloop_http_requests_total", method="GET", route="unmatched", status="404")
    assert value(text, "civicloop_http_request_duration_seconds_count", method="GET", route="unmatched")


def test_unknown_methods_share_one_label(db: None) -> None:
    Client().generic("BREW", "/healthz")
    assert value(
        scrape().content.decode(), "civicloop_http_requests_total", method="other", route="ops:probe-live", status="405"
    )


def test_a_committed_submission_is_counted(catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    before = value(scrape().content.decode(), "civicloop_applications_submitted_total", procedure="sodai-gomi")
    with django_capture_on_commit_callbacks(execute=True):
        CaseFactory.create()
    after = value(scrape().content.decode(), "civicloop_applications_submitted_total", procedure="sodai-gomi")
    assert after == before + 1


def test_the_backlog_is_read_at_each_scrape(catalog: None) -> None:
    # given a case five days past its due date and one due tomorrow, in 清掃リサイクル課
    late, on_time = CaseFactory.create(), CaseFactory.create()
    Case.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=5))
    Case.objects.filter(pk=on_time.pk).update(due_date=timezone.localdate() + timedelta(days=1))
    # when
    text = scrape().content.decode()
    # then
    assert value(text, "civicloop_backlog_up") == 1
    assert value(text, "civicloop_cases_overdue", department="seiso") == 1
    # each submission recorded events the relay has not numbered (no worker runs in tests)
    assert value(text, "civicloop_outbox_unsequenced_events") > 0
    assert value(text, "civicloop_outbox_lag_seconds") >= 0
    assert ("civicloop_outbox_pending_events", (("consumer", "webhooks"),)) in samples(text)
    assert ("civicloop_notifications_lag_seconds", ()) in samples(text)
    # a channel with nothing waiting still has its series, at 0; the portal never waits
    assert samples(text)[("civicloop_notifications_waiting", (("channel", "sms"),))] == 0
    assert ("civicloop_notifications_waiting", (("channel", "portal"),)) not in samples(text)


def test_a_scrape_with_the_database_down_still_answers(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> None:
        raise OperationalError("the server closed the connection")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refused)
        response = scrape()
    assert response.status_code == 200
    text = response.content.decode()
    assert value(text, "civicloop_backlog_up") == 0
    assert "civicloop_cases_overdue" not in text


def test_several_processes_are_added_up_in_multiprocess_mode(db: None, settings: Any, tmp_path: Path) -> None:
    # given two worker processes that each counted one request into the shared folder
    counting = (
        "from prometheus_client import Counter;"
        "Counter('civicloop_http_requests', '', ['method', 'route', 'status']).labels('GET', 'cases:case-list', '200').inc()"
    )
    for _ in range(2):
        subprocess.run(  # noqa: S603 - this interpreter, a fixed program
            [sys.executable, "-c", counting], env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}, check=True
        )
    # when this process answers the scrape from the folder
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    text = scrape().content.decode()
    # then
    assert value(text, "civicloop_http_requests_total", method="GET", route="cases:case-list", status="200") == 2
    assert value(text, "civicloop_backlog_up") == 1


def test_pending_events_are_counted_across_gaps_in_the_positions(db: None, settings: Any) -> None:
    # given numbered events 1, 2 and 5 (a bulk loader may leave gaps) and consumers at 0, 1 and 5
    for position in (1, 2, 5):
        Event.objects.create(
            source="urn:lg:131130", type="jp.lg.civicloop.test.happened", time=timezone.now(), position=position
        )
    for name, position in {"cases": 5, "notifications": 5, "analytics": 1, "webhooks": 0}.items():
        ConsumerCursor.objects.update_or_create(name=name, defaults={"position": position})
    # when
    text = scrape().content.decode()
    # then
    pending = {
        consumer: value(text, "civicloop_outbox_pending_events", consumer=consumer)
        for consumer in settings.EVENT_CONSUMERS
    }
    assert pending == {"cases": 0, "notifications": 0, "analytics": 2, "webhooks": 3}
