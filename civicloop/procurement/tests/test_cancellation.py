# SPDX-License-Identifier: MPL-2.0
"""中止: the reason is kept on the tender, in the audit entry, on the pages and in OCDS."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.core.models import AuditEntry, Event
from civicloop.procurement import actions, ocds
from civicloop.procurement.errors import InvalidTender, WrongState
from civicloop.procurement.models import PriceApproach, Tender, TenderStatus
from civicloop.procurement.tests.conftest import Cast

REASON = "仕様の見直しのため、本件の入札を中止します。"


@pytest.fixture
def cancelled(cast: Cast, make_tender: Callable[..., Tender]) -> Tender:
    tender = make_tender(
        criteria=[{"name": "価格", "name_en": "Price", "weight": 100, "is_price": True}],
        price_approach=PriceApproach.LOWEST_PRICE,
    )
    return actions.cancel_tender(actor=cast.buyer, tender=tender, reason=f"  {REASON}\n")


def test_the_reason_and_the_time_are_stored_on_the_tender(cancelled: Tender) -> None:
    cancelled.refresh_from_db()
    assert cancelled.status == TenderStatus.CANCELLED
    assert cancelled.cancel_reason == REASON
    assert cancelled.cancelled_at is not None


def test_the_audit_entry_keeps_the_reason_and_the_event_only_its_length(cancelled: Tender) -> None:
    entry = AuditEntry.objects.get(action="procurement.tender_cancelled", object_id=str(cancelled.public_id))
    assert entry.data["reason"] == REASON
    assert entry.data["previous_status"] == TenderStatus.PUBLISHED
    event = Event.objects.get(type__endswith=".procurement.tender_cancelled")
    assert event.data["reason_length"] == len(REASON)
    assert REASON not in str(event.data)


@pytest.mark.parametrize("reason", ["", "   \n", "理" * 1001])
def test_a_missing_or_overlong_reason_is_refused_and_nothing_changes(cast: Cast, tender: Tender, reason: str) -> None:
    with pytest.raises(InvalidTender):
        actions.cancel_tender(actor=cast.buyer, tender=tender, reason=reason)
    tender.refresh_from_db()
    assert (tender.status, tender.cancel_reason, tender.cancelled_at) == (TenderStatus.PUBLISHED, "", None)
    assert not AuditEntry.objects.filter(action="procurement.tender_cancelled").exists()


def test_a_cancelled_tender_cannot_be_cancelled_again_and_keeps_its_first_reason(cast: Cast, cancelled: Tender) -> None:
    with pytest.raises(WrongState):
        actions.cancel_tender(actor=cast.buyer, tender=cancelled, reason="別の理由")
    cancelled.refresh_from_db()
    assert cancelled.cancel_reason == REASON


def test_the_staff_page_shows_the_reason_and_no_longer_offers_the_cancellation(cast: Cast, cancelled: Tender) -> None:
    client = sign_in_with_mfa(Client(), cast.buyer)
    page = client.get(reverse("procurement:staff-tender-detail", args=[cancelled.public_id])).content.decode()
    assert REASON in page
    assert 'name="reason"' not in page


def test_the_clerk_is_told_when_the_reason_is_missing(cast: Cast, tender: Tender) -> None:
    client = sign_in_with_mfa(Client(), cast.buyer)
    url = reverse("procurement:staff-tender-step", args=[tender.public_id, "cancel"])
    page = client.post(url, {"reason": " "}, follow=True).content.decode()
    assert "中止の理由を入力してください。" in page or "Give the reason for cancelling." in page
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED


def test_the_public_notice_lists_the_cancelled_tender_with_its_reason(cancelled: Tender, client: Client) -> None:
    listing = client.get(reverse("procurement-notices:list")).content.decode()
    detail = client.get(reverse("procurement-notices:detail", args=[ocds.ocid_for(cancelled)])).content.decode()
    assert REASON in listing
    assert cancelled.title in listing
    assert REASON in detail


def test_the_cancellation_release_carries_the_reason_and_validates(cancelled: Tender) -> None:
    release_package, record_package = ocds.packages()
    assert ocds.errors(release_package, "release") == []
    assert ocds.errors(record_package, "record") == []
    last = release_package["releases"][-1]
    assert last["tag"] == ["tenderCancellation"]
    assert last["tender"]["status"] == "cancelled"
    assert last["tender"]["statusDetails"] == REASON
    (document,) = [d for d in last["tender"]["documents"] if d["documentType"] == "cancellationDetails"]
    assert document["description"] == REASON
    assert last["date"] == ocds.stamp(Tender.objects.get(pk=cancelled.pk).cancelled_at)  # type: ignore[arg-type]
    (record,) = record_package["records"]
    assert record["compiledRelease"]["tender"]["statusDetails"] == REASON
