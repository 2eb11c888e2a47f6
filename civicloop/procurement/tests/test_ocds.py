# SPDX-License-Identifier: MPL-2.0
"""OCDS 1.1.5: what is published, that it validates offline, and the public notices page that reads it."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client

from civicloop.core.models import Classification
from civicloop.procurement import actions, ocds
from civicloop.procurement.models import Award, PriceApproach, Tender, TenderDocument
from civicloop.procurement.tests.conftest import Cast, service_of

PRICE_ONLY = [{"name": "価格", "name_en": "Price", "weight": 100, "is_price": True}]
WINNING, LOSING = 880_000, 930_000


def packages() -> tuple[dict[str, Any], dict[str, Any]]:
    release_package, record_package = ocds.packages()
    assert ocds.errors(release_package, "release") == []
    assert ocds.errors(record_package, "record") == []
    return release_package, record_package


def record_of(record_package: dict[str, Any], tender: Tender) -> dict[str, Any]:
    return next(r for r in record_package["records"] if r["ocid"] == ocds.ocid_for(tender))


def run_to_contract(cast: Cast, tender: Tender, at: Callable[..., Any]) -> Award:
    """Two bids (alpha resubmits), the opening after the deadline, the award, the standstill, the contract."""
    for who, price in (("alpha", WINNING + 10_000), ("beta", LOSING), ("alpha", WINNING)):
        supplier, user = getattr(cast, who), getattr(cast, f"{who}_user")
        actions.submit_bid(
            actor=user, tender=tender, supplier=supplier, service=service_of(supplier), price=price, proposal="提案"
        )
    with at(tender.bid_deadline + timedelta(seconds=1)):
        actions.open_bids(actor=cast.buyer, tender=tender)
        actions.complete_evaluation(actor=cast.buyer, tender=tender)
        award = actions.award_tender(actor=cast.buyer, tender=tender)
    award.refresh_from_db()
    assert award.standstill_ends_at is not None  # below the 決裁 threshold: notified at once
    with at(award.standstill_ends_at + timedelta(minutes=1)):
        actions.record_contract(actor=cast.buyer, award=award, starts_on=date(2027, 4, 1), ends_on=date(2028, 3, 31))
    award.refresh_from_db()
    return award


@pytest.fixture
def price_only(make_tender: Callable[..., Tender]) -> Tender:
    return make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE)


def test_with_nothing_published_no_package_is_written_or_served(db: None, tmp_path: Path, client: Client) -> None:
    release_package, record_package = ocds.packages()
    assert release_package["releases"] == [] and record_package["records"] == []
    out = StringIO()
    call_command("export_ocds", "--output", str(tmp_path / "ocds"), stdout=out)
    assert "Nothing is published yet" in out.getvalue()  # OCDS packages hold at least one release
    assert not (tmp_path / "ocds").exists()
    assert client.get("/opendata/ocds/release-package.json").status_code == 404
    assert client.get("/procurement/notices/").status_code == 200


def test_a_published_tender_is_one_tender_release_without_the_estimate(price_only: Tender) -> None:
    release_package, _ = packages()
    (release,) = release_package["releases"]
    assert release["ocid"] == f"ocds-cvloop-{price_only.reference}"
    assert release["tag"] == ["tender"] and release["language"] == "ja"
    tender = release["tender"]
    assert tender["title"] == "電子申請システムの導入" and tender["title_en"] == "An online application system"
    assert tender["status"] == "active" and tender["awardCriteria"] == "priceOnly"
    assert tender["tenderPeriod"]["endDate"].endswith("+09:00")
    assert "value" not in tender  # 予定価格 stays unpublished until the award
    assert str(price_only.estimate) not in json.dumps(release_package)


def test_drafts_and_secret_tenders_are_not_published(make_tender: Callable[..., Tender]) -> None:
    make_tender(publish=False)
    secret = make_tender()
    Tender.objects.filter(pk=secret.pk).update(classification=Classification.SECRET)
    release_package, record_package = ocds.packages()
    assert release_package["releases"] == [] and record_package["records"] == []


def test_the_ocid_prefix_is_a_setting(price_only: Tender, settings: Any) -> None:
    settings.OCDS_OCID_PREFIX = "ocds-abc123"
    release_package, _ = packages()
    assert release_package["releases"][0]["ocid"] == f"ocds-abc123-{price_only.reference}"


def test_a_process_run_to_its_contract_has_four_releases_and_a_compiled_record(
    cast: Cast, price_only: Tender, at: Callable[..., Any]
) -> None:
    award = run_to_contract(cast, price_only, at)
    release_package, record_package = packages()
    releases = [r for r in release_package["releases"] if r["ocid"] == ocds.ocid_for(price_only)]
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate"], ["award"], ["contract"]]
    assert len({r["id"] for r in releases}) == 4
    assert [r["date"] for r in releases] == sorted(r["date"] for r in releases)

    compiled = record_of(record_package, price_only)["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["numberOfTenderers"] == 2
    assert compiled["tender"]["value"] == {"amount": price_only.estimate, "currency": "JPY"}
    (published_award,) = compiled["awards"]
    assert published_award["id"] == str(award.public_id) and published_award["status"] == "active"
    assert published_award["value"] == {"amount": WINNING, "currency": "JPY"}
    assert published_award["suppliers"][0]["name"] == cast.alpha.name
    (contract,) = compiled["contracts"]
    assert contract["awardID"] == str(award.public_id) and contract["value"]["amount"] == WINNING
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert roles[cast.alpha.name] == ["tenderer", "supplier"] and roles[cast.beta.name] == ["tenderer"]
    scales = {p["name"]: p.get("details", {}).get("scale") for p in compiled["parties"]}
    assert scales[cast.alpha.name] == "sme" and scales[cast.beta.name] == "large"
    # A losing bid's price is never published, nor the winner's first (replaced) price.
    text = json.dumps(release_package) + json.dumps(record_package)
    assert str(LOSING) not in text and str(WINNING + 10_000) not in text


def test_an_award_in_standstill_is_pending_and_an_award_awaiting_its_approval_is_not_published(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    small = make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE)
    large = make_tender(criteria=PRICE_ONLY, price_approach=PriceApproach.LOWEST_PRICE, estimate=9_000_000)
    for tender, price in ((small, 500_000), (large, 5_000_000)):
        actions.submit_bid(
            actor=cast.alpha_user,
            tender=tender,
            supplier=cast.alpha,
            service=service_of(cast.alpha),
            price=price,
            proposal="提案",
        )
        with at(tender.bid_deadline + timedelta(seconds=1)):
            actions.open_bids(actor=cast.buyer, tender=tender)
            actions.complete_evaluation(actor=cast.buyer, tender=tender)
            actions.award_tender(actor=cast.buyer, tender=tender)
    _, record_package = packages()
    assert record_of(record_package, small)["compiledRelease"]["awards"][0]["status"] == "pending"
    assert "awards" not in record_of(record_package, large)["compiledRelease"]  # 決裁 pending above 100万円


def test_a_cancelled_tender_ends_with_a_cancellation_release(cast: Cast, price_only: Tender) -> None:
    actions.cancel_tender(actor=cast.buyer, tender=price_only, reason="仕様の見直し")
    release_package, _ = packages()
    assert [r["tag"] for r in release_package["releases"]] == [["tender"], ["tenderCancellation"]]
    _, second = packages()[0]["releases"]
    assert second["tender"]["status"] == "cancelled"
    assert second["id"] == release_package["releases"][1]["id"]  # stable across exports


def test_a_direct_award_from_the_catalogue_is_published_with_its_rationale(cast: Cast) -> None:
    from civicloop.accounts.models import Department

    direct = actions.award_directly(
        actor=cast.buyer,
        department=Department.objects.get(code="dx"),
        service=service_of(cast.alpha),
        title="電子申請クラウドの利用",
        value=300_000,
        reason="カタログ検索で要件を満たす唯一のサービス",
        query="電子申請",
        facets={"lot": "software"},
    )
    _, record_package = packages()
    (record,) = record_package["records"]
    assert record["ocid"] == ocds.direct_ocid_for(direct)
    tender = record["compiledRelease"]["tender"]
    assert tender["procurementMethod"] == "direct"
    assert tender["procurementMethodRationale"] == "カタログ検索で要件を満たす唯一のサービス"


def test_export_ocds_writes_both_packages_and_they_validate(
    cast: Cast, price_only: Tender, at: Callable[..., Any], tmp_path: Path
) -> None:
    run_to_contract(cast, price_only, at)
    out = StringIO()
    call_command("export_ocds", "--output", str(tmp_path / "ocds"), stdout=out)
    assert "valid OCDS 1.1" in out.getvalue()
    release_package = json.loads((tmp_path / "ocds" / "release-package.json").read_text(encoding="utf-8"))
    record_package = json.loads((tmp_path / "ocds" / "record-package.json").read_text(encoding="utf-8"))
    assert ocds.errors(release_package, "release") == [] and ocds.errors(record_package, "record") == []
    assert len(record_package["records"]) == 1 and len(release_package["releases"]) == 4


def test_export_ocds_refuses_to_write_an_invalid_package(db: None, tmp_path: Path) -> None:
    broken = {"uri": "not a uri", "version": "1.1", "releases": [{"ocid": ""}]}
    with mock.patch.object(ocds, "packages", return_value=(broken, broken)), pytest.raises(CommandError) as error:
        call_command("export_ocds", "--output", str(tmp_path / "ocds"))
    assert "do not validate" in str(error.value) and "releases/0" in str(error.value)
    assert not (tmp_path / "ocds").exists()


def test_the_validator_catches_what_the_schema_forbids(price_only: Tender) -> None:
    release_package, _ = packages()
    release_package["releases"][0]["tender"]["status"] = "open-ish"
    release_package["releases"][0]["date"] = "yesterday"
    problems = ocds.errors(release_package, "release")
    assert any("tender/status" in p for p in problems) and any("date" in p for p in problems)


# The public page -----------------------------------------------------------------------------------


def test_the_notices_page_lists_an_open_tender_for_anyone(price_only: Tender, client: Client) -> None:
    response = client.get("/procurement/notices/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    page = response.content.decode()
    assert "電子申請システムの導入" in page and "/opendata/ocds/release-package.json" in page
    detail = client.get(f"/procurement/notices/{ocds.ocid_for(price_only)}/")
    assert detail.status_code == 200 and "一般競争入札" in detail.content.decode()


def test_the_notices_page_shows_the_award_as_soon_as_it_is_made(
    cast: Cast, price_only: Tender, at: Callable[..., Any], client: Client
) -> None:
    client.get("/procurement/notices/")  # cached before the award: the fingerprint must move on
    run_to_contract(cast, price_only, at)
    page = client.get("/procurement/notices/").content.decode()
    assert cast.alpha.name in page and "880,000" in page
    assert cast.beta.name not in page


def test_the_packages_are_served_as_json(price_only: Tender, client: Client) -> None:
    for kind in ("release", "record"):
        response = client.get(f"/opendata/ocds/{kind}-package.json")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert ocds.errors(response.json(), kind) == []


def test_an_unknown_or_secret_process_is_not_found(make_tender: Callable[..., Tender], client: Client) -> None:
    secret = make_tender()
    Tender.objects.filter(pk=secret.pk).update(classification=Classification.SECRET)
    assert client.get(f"/procurement/notices/{ocds.ocid_for(secret)}/").status_code == 404
    assert client.get("/procurement/notices/ocds-cvloop-nothing/").status_code == 404


def test_only_official_documents_of_published_tenders_download(
    make_tender: Callable[..., Tender], client: Client
) -> None:
    published, draft = make_tender(), make_tender(publish=False)
    documents = {}
    for name, tender, tier in (
        ("spec", published, Classification.OFFICIAL),
        ("secret", published, Classification.SECRET),
        ("draft", draft, Classification.OFFICIAL),
    ):
        document = TenderDocument(
            tender=tender, title=f"{name}.pdf", content_type="application/pdf", classification=tier
        )
        document.file.save(f"{name}.pdf", ContentFile(b"%PDF-1.7 " + name.encode()), save=True)
        documents[name] = document
    response = client.get(f"/procurement/notices/documents/{documents['spec'].public_id}")
    assert response.status_code == 200 and response.getvalue().endswith(b"spec")
    for name in ("secret", "draft"):
        assert client.get(f"/procurement/notices/documents/{documents[name].public_id}").status_code == 404
    _, record_package = packages()
    (record,) = record_package["records"]
    assert [d["title"] for d in record["compiledRelease"]["tender"]["documents"]] == ["spec.pdf"]
