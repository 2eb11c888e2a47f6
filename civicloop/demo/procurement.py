# SPDX-License-Identifier: MPL-2.0
"""The demo's procurement: three approved companies, an open tender and an awarded, contracted one.

デジタル推進課 (clerk-dx) tenders; 契約課 (clerk-keiyaku) approved the companies; 副区長 (fuku-kucho,
総務課) evaluated the past tender. Everything goes through the procurement actions (rules, audit,
events, sealed bids). The past tender ran 40 to 10 days ago: its steps are taken with the clock
set back (`_on`), as the deadline, the opening and the standstill are checked against now().
A second run finds the companies by 法人番号 and the tenders by title, and makes nothing.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.procurement import actions
from civicloop.procurement.corporate_number import check_digit
from civicloop.procurement.models import Lot, PriceApproach, Supplier, Tender

OPEN_TITLE = "区民向けチャットボットの導入"
PAST_TITLE = "庁内ファイルサーバのクラウド移行"
COMPANIES = [
    # (12-digit base of a made-up 法人番号, name, size, local, service, lot, price from)
    ("020002000001", "株式会社渋谷クラウドワークス", "small", True, "自治体ファイル共有クラウド", Lot.HOSTING, 80_000),
    ("020002000002", "ひかり情報システム株式会社", "medium", False, "窓口チャットボット", Lot.SOFTWARE, 120_000),
    ("020002000003", "合同会社まちのIT相談室", "micro", True, "クラウド移行支援", Lot.SUPPORT, 50_000),
]
CRITERIA = [
    {"name": "価格", "name_en": "Price", "weight": 40, "is_price": True},
    {"name": "機能", "name_en": "Functionality", "weight": 40},
    {"name": "サポート体制", "name_en": "Support", "weight": 20},
]


@contextmanager
def _on(moment: datetime) -> Iterator[None]:
    """now() is `moment` inside: the past tender's steps happen on their own days."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _at(day: date, hour: int) -> datetime:
    """`hour` o'clock on `day`, Japan time (deadlines fall in office hours)."""
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _security() -> dict[str, Any]:
    return {
        "ismap": "ismap",
        "ismap_registration": "C23-0100-1",
        "iso27001": True,
        "iso27001_certificate": "IS 700100",
        "data_location": "japan",
        "encrypted_at_rest": True,
        "encrypted_in_transit": True,
        "authentication": "mfa",
        "incident_response": "24時間受付、1時間以内に第一報",
        "expires_on": timezone.localdate() + timedelta(days=365),
    }


def _company(row: tuple[Any, ...], officer: User, since: date) -> Supplier:
    base, name, size, is_local, service_name, lot, price = row
    number = f"{check_digit(base)}{base}"
    supplier = Supplier.objects.filter(corporate_number=number).first()
    if supplier is not None:
        return supplier
    email = f"demo-supplier-{base[-1]}@example.jp"
    supplier = actions.register_supplier(
        email=email,
        password=secrets.token_urlsafe(24),  # demo companies are shown, not signed in to
        person_name=f"{name} 営業担当",
        company={
            "corporate_number": number,
            "name": name,
            "size": size,
            "address": "東京都渋谷区宇田川町1-1",
            "is_local": is_local,
            "contact_name": "営業担当",
            "contact_email": email,
        },
    )
    user = supplier.users.get()
    qualification = actions.add_qualification(
        actor=user,
        supplier=supplier,
        categories=["it_services"],
        grade="B",
        valid_from=since,
        valid_until=since + timedelta(days=3 * 365),
    )
    service = actions.declare_service(
        actor=user,
        supplier=supplier,
        service={"lot": lot, "name": service_name, "summary": f"{service_name}（自治体向け）", "unit_price": price},
        security=_security(),
    )
    for subject in (supplier, qualification, service):
        actions.verify(actor=officer, subject=subject, decision="approved", note="デモ：書類確認済み")
    supplier.refresh_from_db()
    return supplier


def _tender(buyer: User, title: str, lot: str, estimate: int, deadline: datetime) -> Tender:
    department = Department.objects.get(code="dx")
    fields = {
        "title": title,
        "title_en": "",
        "description": f"{title}（デモ）",
        "lots": [lot],
        "minimum_grade": "C",
        "price_approach": PriceApproach.MOST_ADVANTAGEOUS,
        "estimate": estimate,
        "questions_deadline": deadline - timedelta(days=5),
        "bid_deadline": deadline,
    }
    tender = actions.create_tender(actor=buyer, department=department, fields=fields, criteria=CRITERIA)
    return actions.publish_tender(actor=buyer, tender=tender)


def _bid(supplier: Supplier, tender: Tender, price: int) -> None:
    actions.submit_bid(
        actor=supplier.users.get(),
        tender=tender,
        supplier=supplier,
        service=supplier.services.get(),
        price=price,
        proposal=f"{supplier.name}の提案書（デモ）",
    )


def _run_past_tender(buyer: User, evaluator: User, winner: Supplier) -> None:
    start = _at(timezone.localdate() - timedelta(days=40), 9)
    with _on(start):
        tender = _tender(buyer, PAST_TITLE, Lot.HOSTING, 900_000, _at(start.date() + timedelta(days=10), 17))
        actions.assign_evaluator(actor=buyer, tender=tender, user=evaluator)
        _bid(winner, tender, 780_000)
    with _on(start + timedelta(days=11)):
        actions.open_bids(actor=buyer, tender=tender)
        tender.refresh_from_db()
        actions.declare_conflict(actor=evaluator, tender=tender, has_conflict=False)
        bid = tender.bids.get()
        scores = {c.pk: (8, "要件を満たし、移行計画が具体的") for c in tender.criteria.filter(is_price=False)}
        actions.save_scores(actor=evaluator, bid=bid, scores=scores)
        actions.submit_scores(actor=evaluator, bid=bid)
        actions.complete_evaluation(actor=buyer, tender=tender)
        award = actions.award_tender(actor=buyer, tender=tender)
    contracted_on = (start + timedelta(days=11 + tender.standstill_days + 1)).date()
    with _on(start + timedelta(days=11 + tender.standstill_days + 1)):
        actions.record_contract(
            actor=buyer, award=award, starts_on=contracted_on, ends_on=contracted_on + timedelta(days=365)
        )


@transaction.atomic
def seed_procurement() -> int:
    """Make what is missing of the demo's procurement; returns how many tenders were made."""
    people = {u.username: u for u in User.objects.filter(username__in=["clerk-dx", "clerk-keiyaku", "fuku-kucho"])}
    if len(people) < 3 or not Department.objects.filter(code="dx").exists():
        return 0
    buyer, officer, evaluator = people["clerk-dx"], people["clerk-keiyaku"], people["fuku-kucho"]
    since = timezone.localdate() - timedelta(days=400)
    with _on(timezone.now() - timedelta(days=60)):
        companies = [_company(row, officer, since) for row in COMPANIES]
    made = 0
    if not Tender.objects.filter(title=PAST_TITLE).exists():
        _run_past_tender(buyer, evaluator, companies[0])
        made += 1
    if not Tender.objects.filter(title=OPEN_TITLE).exists():
        tender = _tender(buyer, OPEN_TITLE, Lot.SOFTWARE, 2_400_000, _at(timezone.localdate() + timedelta(days=21), 17))
        actions.assign_evaluator(actor=buyer, tender=tender, user=evaluator)
        _bid(companies[1], tender, 2_150_000)
        made += 1
    return made
