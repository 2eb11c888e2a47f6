# SPDX-License-Identifier: MPL-2.0
"""Webhook subscribers over real HTTP: filters, ceiling, signature, order, retry and backoff."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.utils import timezone

from civicloop.applications.actions import submit_from_api
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core import webhooks as signing
from civicloop.core.models import AuditEntry, Classification, Event
from civicloop.relay.models import WebhookDelivery, WebhookSubscription
from civicloop.relay.relay import run_pass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_webhooks(settings: Any) -> None:
    settings.EVENT_CONSUMERS = {"webhooks": "civicloop.relay.webhooks.apply"}
    settings.RELAY_BACKOFF_BASE_SECONDS = 30
    settings.RELAY_WEBHOOK_TIMEOUT_SECONDS = 2


def due_now(subscription: WebhookSubscription) -> None:
    """Skip the subscriber's backoff, as if its wait were over."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_subscriber_receives_signed_cloudevents_in_order(receiver: Any, record_event: Callable[..., Event]) -> None:
    # given
    subscription = WebhookSubscription.objects.create(name="crm", url=receiver.url)
    first = record_event("thing.opened", data={"department": "seiso"})
    second = record_event("thing.closed", data={"outcome": "approve"})
    # when
    run_pass()
    # then
    assert [json.loads(r.body)["id"] for r in receiver.requests] == [str(first.pk), str(second.pk)]
    request = receiver.requests[0]
    assert request.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
    assert signing.verify(subscription.secret, request.body, request.headers["civicloop-signature"], tolerance_s=60)
    envelope = json.loads(request.body)
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "jp.lg.civicloop.thing.opened"
    assert envelope["sequence"] == "1"
    assert envelope["data"] == {"department": "seiso"}
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    subscription.refresh_from_db()
    assert subscription.health == "healthy" and subscription.last_success_at is not None


def test_type_filters_choose_what_a_subscriber_gets(receiver: Any, record_event: Callable[..., Event]) -> None:
    WebhookSubscription.objects.create(name="things", url=receiver.url, event_types=["thing.*", "other.chosen"])
    record_event("thing.opened")
    record_event("other.started")
    record_event("other.chosen")
    record_event("things.something")  # "thing.*" is not a bare prefix match on "thing"
    run_pass()
    assert [json.loads(r.body)["type"].removeprefix("jp.lg.civicloop.") for r in receiver.requests] == [
        "thing.opened",
        "other.chosen",
    ]


def test_only_official_events_go_out_unless_the_ceiling_is_secret_and_top_secret_never(
    receiver: Any, record_event: Callable[..., Event]
) -> None:
    # given one subscriber at the default ceiling and one at SECRET
    WebhookSubscription.objects.create(name="open", url=receiver.url + "/open")
    WebhookSubscription.objects.create(name="cleared", url=receiver.url + "/cleared", max_classification="SECRET")
    record_event(classification=Classification.OFFICIAL)
    secret = record_event(classification=Classification.SECRET)
    record_event(classification=Classification.TOP_SECRET)
    # when
    run_pass()
    # then
    got = sorted((r.path.rsplit("/", 1)[1], json.loads(r.body)["classification"]) for r in receiver.requests)
    assert got == [("cleared", "OFFICIAL"), ("cleared", "SECRET"), ("open", "OFFICIAL")]
    audit = AuditEntry.objects.get(action="event.webhook_delivered")
    assert (audit.object_id, audit.classification) == (str(secret.pk), "SECRET")


def test_a_subscriber_gets_events_from_its_registration_on(receiver: Any, record_event: Callable[..., Event]) -> None:
    record_event()
    run_pass()
    WebhookSubscription.objects.create(name="late", url=receiver.url, from_position=1)
    newer = record_event()
    run_pass()
    assert [json.loads(r.body)["id"] for r in receiver.requests] == [str(newer.pk)]


def test_a_failing_receiver_is_retried_with_exponential_backoff_and_nothing_is_lost(
    receiver: Any, record_event: Callable[..., Event]
) -> None:
    # given a receiver that fails twice
    subscription = WebhookSubscription.objects.create(name="crm", url=receiver.url)
    receiver.statuses.extend([500, 503])
    record_event()
    record_event()
    # when the first turn fails: the turn stops at the first failure and the subscriber backs off
    before = timezone.now()
    run_pass()
    subscription.refresh_from_db()
    assert len(receiver.requests) == 1
    assert subscription.consecutive_failures == 1 and subscription.health == "retrying"
    assert subscription.last_error.startswith("500")
    assert subscription.next_attempt_at is not None
    assert round((subscription.next_attempt_at - before).total_seconds()) == 30
    run_pass()
    assert len(receiver.requests) == 1  # still backing off
    # when it is due again and fails again, the wait doubles
    due_now(subscription)
    before = timezone.now()
    run_pass()
    subscription.refresh_from_db()
    assert round((subscription.next_attempt_at - before).total_seconds()) == 60
    # then, once the receiver is back, both events arrive in order, the first one on its third try
    due_now(subscription)
    run_pass()
    ids = [json.loads(r.body)["sequence"] for r in receiver.requests]
    assert ids == ["1", "1", "1", "2"]
    first = WebhookDelivery.objects.get(position=1)
    assert (first.status, first.attempts, first.last_status_code) == ("delivered", 3, 200)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.next_attempt_at is None


def test_after_the_last_attempt_a_delivery_fails_and_the_next_one_goes(
    settings: Any, receiver: Any, record_event: Callable[..., Event]
) -> None:
    settings.RELAY_WEBHOOK_MAX_ATTEMPTS = 2
    subscription = WebhookSubscription.objects.create(name="crm", url=receiver.url)
    receiver.statuses.extend([500, 500])
    record_event()
    record_event()
    run_pass()
    due_now(subscription)
    run_pass()
    failed, delivered = WebhookDelivery.objects.order_by("position")
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert delivered.status == "pending"
    due_now(subscription)
    run_pass()
    delivered.refresh_from_db()
    assert delivered.status == "delivered"


def test_an_unreachable_receiver_counts_as_a_failure(record_event: Callable[..., Event]) -> None:
    subscription = WebhookSubscription.objects.create(name="gone", url="http://127.0.0.1:9/")
    record_event()
    run_pass()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1


def test_an_inactive_subscriber_gets_nothing_new(receiver: Any, record_event: Callable[..., Event]) -> None:
    WebhookSubscription.objects.create(name="off", url=receiver.url, is_active=False)
    record_event()
    run_pass()
    assert not WebhookDelivery.objects.exists()
    assert not receiver.requests


def test_a_pending_delivery_above_a_lowered_ceiling_is_withheld(
    receiver: Any, record_event: Callable[..., Event]
) -> None:
    # given a SECRET delivery queued while the subscriber was down
    subscription = WebhookSubscription.objects.create(name="crm", url=receiver.url, max_classification="SECRET")
    receiver.statuses.append(500)
    record_event(classification=Classification.SECRET)
    run_pass()
    # when the ceiling is lowered before the retry
    WebhookSubscription.objects.filter(pk=subscription.pk).update(max_classification="OFFICIAL")
    due_now(subscription)
    run_pass()
    # then it never leaves
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "withheld"


def test_a_residents_submission_reaches_a_subscriber_of_case_events(
    receiver: Any, resident: Any, sodai_gomi: Any
) -> None:
    # given a subscriber of case events
    WebhookSubscription.objects.create(name="crm", url=receiver.url, event_types=["case.opened"])
    # when a resident submits a bulky-waste application (which opens a case in the same transaction)
    application, _created = submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="relay-test-0001"
    )
    run_pass()
    # then the subscriber gets the case.opened event, naming the application, with ids only
    [request] = receiver.requests
    envelope = json.loads(request.body)
    assert envelope["type"] == "jp.lg.civicloop.case.opened"
    assert envelope["data"]["application"] == str(application.public_id)
    assert "𠮷田" not in request.body.decode()


def test_a_clerks_subscriber_gets_only_its_departments_events(
    catalog: None, administrator: Any, record_event: Callable[..., Event]
) -> None:
    from civicloop.accounts.models import Department, User
    from civicloop.relay import actions

    clerk = User.objects.create(username="seiso-integrator", kind=User.Kind.STAFF)
    clerk.departments.add(Department.objects.get(code="seiso"))
    bound = actions.register_subscription(name="seiso", url="https://seiso.example.jp/", by=clerk)
    citywide = actions.register_subscription(name="all", url="https://all.example.jp/", by=administrator)
    assert (bound.departments, citywide.departments) == (["seiso"], [])

    mine = record_event("case.opened", data={"department": "seiso"})
    by_procedure = record_event("application.started", data={"procedure": "sodai-gomi"})  # 清掃リサイクル課's
    theirs = record_event("case.opened", data={"department": "koseki_juumin"})
    routed_elsewhere = record_event("inquiry.received", data={"routed_to": "zeimu"})
    unattributed = record_event("thing.happened", data={})
    with patch("civicloop.relay.webhooks.send_due_deliveries", return_value=0):
        run_pass()

    recorded = [mine, by_procedure, theirs, routed_elsewhere, unattributed]

    def sent_to(subscription: WebhookSubscription) -> set[Any]:
        # of the events above (the catalogue's own, loaded for the test, are attributed the same way)
        deliveries = WebhookDelivery.objects.filter(subscription=subscription, event__in=recorded)
        return set(deliveries.values_list("event_id", flat=True))

    assert sent_to(bound) == {mine.pk, by_procedure.pk}
    assert sent_to(citywide) == {e.pk for e in recorded}


def test_someone_without_a_department_cannot_register_a_subscriber(db: None) -> None:
    from civicloop.accounts.models import User
    from civicloop.relay import actions

    nobody = User.objects.create(username="no-dept", kind=User.Kind.STAFF)
    with pytest.raises(actions.BadSubscription, match="departments"):
        actions.register_subscription(name="x", url="https://x.example.jp/", by=nobody)
    assert not WebhookSubscription.objects.exists()
