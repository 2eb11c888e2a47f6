# SPDX-License-Identifier: MPL-2.0
"""Registering webhook subscribers: the checks, the event and audit entry, and the admin pages."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.core.models import AuditEntry, Event
from civicloop.relay import actions
from civicloop.relay.models import WebhookDelivery, WebhookSubscription
from civicloop.relay.relay import run_pass
from civicloop.relay.sequence import assign_positions

pytestmark = pytest.mark.django_db


def test_registering_records_an_event_and_an_audit_entry_and_starts_at_the_head(
    administrator: User, record_event: Any
) -> None:
    record_event()
    assign_positions()
    subscription = actions.register_subscription(
        name="CRM", url="https://crm.example.jp/hooks", event_types=["case.*"], by=administrator
    )
    assert subscription.from_position == 1
    assert len(subscription.secret) >= 40
    event = Event.objects.get(type="jp.lg.civicloop.webhook_subscription.registered")
    assert event.data == {
        "subscription": str(subscription.public_id),
        "host": "crm.example.jp",
        "event_types": ["case.*"],
        "max_classification": "OFFICIAL",
        "active": True,
    }
    entry = AuditEntry.objects.get(action="webhook_subscription.register")
    assert (entry.actor, entry.data["url"]) == ("admin-staff", "https://crm.example.jp/hooks")


def test_only_a_security_officer_may_let_secret_events_out(administrator: User, security_officer: User) -> None:
    with pytest.raises(actions.CeilingNotAllowed, match="security officer"):
        actions.register_subscription(name="x", url="https://x.jp/", max_classification="SECRET", by=administrator)
    subscription = actions.register_subscription(
        name="x", url="https://x.jp/", max_classification="SECRET", by=security_officer
    )
    assert subscription.max_classification == "SECRET"


def test_top_secret_never_leaves_whoever_asks(security_officer: User) -> None:
    with pytest.raises(actions.CeilingNotAllowed, match="never"):
        actions.register_subscription(
            name="x", url="https://x.jp/", max_classification="TOP_SECRET", by=security_officer
        )
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("url", "types"),
    [("ftp://x.jp/", []), ("https://", []), ("https://x.jp/", ["case opened"]), ("https://x.jp/", ["ca*se"])],
)
def test_bad_urls_and_type_filters_are_refused(administrator: User, url: str, types: list[str]) -> None:
    with pytest.raises(actions.BadSubscription):
        actions.register_subscription(name="x", url=url, event_types=types, by=administrator)


def test_retrying_failed_deliveries_queues_them_again(administrator: User, record_event: Any) -> None:
    subscription = actions.register_subscription(name="x", url="https://x.jp/", by=administrator)
    event = record_event()
    WebhookDelivery.objects.create(subscription=subscription, event=event, position=1, status="failed", attempts=10)
    assert actions.retry_failed_deliveries(subscription=subscription, by=administrator) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_rotating_the_secret_changes_it(administrator: User) -> None:
    subscription = actions.register_subscription(name="x", url="https://x.jp/", by=administrator)
    assert actions.rotate_secret(subscription=subscription, by=administrator).secret != subscription.secret


@pytest.fixture
def admin_client(administrator: User) -> Client:
    administrator.is_superuser = True
    administrator.save(update_fields=["is_superuser"])
    return sign_in_with_mfa(Client(), administrator)  # staff pages, the admin too, need a second factor


def test_an_administrator_registers_a_subscriber_in_the_admin(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:relay_webhooksubscription_add"),
        {
            "name": "CRM",
            "url": "https://crm.example.jp/hooks",
            "event_types": '["case.*"]',
            "max_classification": "OFFICIAL",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.event_types == ["case.*"]
    assert Event.objects.filter(type="jp.lg.civicloop.webhook_subscription.registered").count() == 1
    page = admin_client.get(reverse("admin:relay_webhooksubscription_changelist"))
    assert b"crm.example.jp" in page.content and b"healthy" in page.content


def test_the_admin_refuses_a_secret_ceiling_from_a_non_officer(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:relay_webhooksubscription_add"),
        {"name": "x", "url": "https://x.jp/", "event_types": "[]", "max_classification": "SECRET", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "only a security officer" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_admin_lists_deliveries_and_consumer_checkpoints(admin_client: Client, record_event: Any) -> None:
    record_event()
    run_pass()
    for name in ("relay_webhookdelivery_changelist", "relay_consumercursor_changelist"):
        assert admin_client.get(reverse(f"admin:{name}")).status_code == 200
