# SPDX-License-Identifier: MPL-2.0
"""A small procurement cast: two departments, their staff, three suppliers, a published tender.

- `buyer` (デジタル推進課 clerk) tenders; `officer` (契約課) verifies suppliers; `evaluator` (総務課)
  is named on the tender; `admin` is a superuser with no department; `outsider` a clerk of 清掃課.
- `alpha` and `beta` are approved small suppliers with a grade-B qualification and an approved
  software service; `gamma` is approved but holds grade D only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.procurement import actions
from civicloop.procurement.corporate_number import check_digit
from civicloop.procurement.models import (
    Authentication,
    DataLocation,
    IsmapStatus,
    Lot,
    PriceApproach,
    Qualification,
    SecurityDeclaration,
    Service,
    Supplier,
    Tender,
    VerificationStatus,
)
from civicloop.testing.factories import DepartmentFactory, StaffFactory


def corporate_number(base: str) -> str:
    """A valid 法人番号 for a made-up 12-digit base (its check digit computed)."""
    return f"{check_digit(base)}{base}"


# 国税庁's own, then made-up ones.
CORPORATE_NUMBERS = ["7000012050002", *(corporate_number(f"01000100000{n}") for n in range(1, 4))]


@dataclass
class Cast:
    buyer: User
    officer: User
    evaluator: User
    admin: User
    outsider: User
    alpha: Supplier
    beta: Supplier
    gamma: Supplier
    alpha_user: User
    beta_user: User
    gamma_user: User


def security(**overrides: Any) -> dict[str, Any]:
    return {
        "ismap": IsmapStatus.ISMAP,
        "iso27001": True,
        "data_location": DataLocation.JAPAN,
        "encrypted_at_rest": True,
        "encrypted_in_transit": True,
        "authentication": Authentication.MFA,
        "incident_response": "24時間以内に報告",
        "expires_on": date.today() + timedelta(days=365),
        **overrides,
    }


def make_supplier(name: str, number: str, *, grade: str = "B", size: str = "small") -> tuple[Supplier, User]:
    supplier = actions.register_supplier(
        email=f"{name}@example.co.jp",
        password="correct horse battery staple",
        person_name=f"{name} 担当",
        company={
            "corporate_number": number,
            "name": f"株式会社{name}",
            "size": size,
            "address": "東京都千代田区1-1",
            "contact_name": "調達 太郎",
            "contact_email": f"{name}@example.co.jp",
            "is_local": True,
        },
    )
    user = supplier.users.get()
    Supplier.objects.filter(pk=supplier.pk).update(status=VerificationStatus.APPROVED)
    Qualification.objects.create(
        supplier=supplier,
        categories=["it_services"],
        grade=grade,
        valid_from=date.today() - timedelta(days=30),
        valid_until=date.today() + timedelta(days=365),
        status=VerificationStatus.APPROVED,
    )
    service = Service.objects.create(
        supplier=supplier,
        lot=Lot.SOFTWARE,
        name=f"{name} 電子申請クラウド",
        summary="自治体向けSaaS",
        search_text=f"{name} 電子申請クラウド saas",
        unit_price=100_000,
        status=VerificationStatus.APPROVED,
    )
    SecurityDeclaration.objects.create(service=service, declared_by=user, **security())
    supplier.refresh_from_db()
    return supplier, user


@pytest.fixture
def cast(db: None) -> Cast:
    for code, name in (
        ("dx", "デジタル推進課"),
        ("keiyaku", "契約課"),
        ("somu", "総務課"),
        ("seiso", "清掃リサイクル課"),
    ):
        DepartmentFactory.create(code=code, name_ja=name, name_en=code)
    alpha, alpha_user = make_supplier("alpha", CORPORATE_NUMBERS[1])
    beta, beta_user = make_supplier("beta", CORPORATE_NUMBERS[2], size="large")
    gamma, gamma_user = make_supplier("gamma", CORPORATE_NUMBERS[3], grade="D")
    return Cast(
        buyer=StaffFactory.create(username="buyer", department="dx"),
        officer=StaffFactory.create(username="officer", department="keiyaku"),
        evaluator=StaffFactory.create(username="evaluator", department="somu"),
        admin=StaffFactory.create(username="admin", department="", superuser=True),
        outsider=StaffFactory.create(username="outsider", department="seiso"),
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        alpha_user=alpha_user,
        beta_user=beta_user,
        gamma_user=gamma_user,
    )


def tender_fields(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "title": "電子申請システムの導入",
        "title_en": "An online application system",
        "description": "区民向け電子申請の導入",
        "lots": [Lot.SOFTWARE],
        "minimum_grade": "C",
        "price_approach": PriceApproach.MOST_ADVANTAGEOUS,
        "estimate": 5_000_000,
        "questions_deadline": now + timedelta(days=5),
        "bid_deadline": now + timedelta(days=10),
        **overrides,
    }


CRITERIA = [
    {"name": "価格", "name_en": "Price", "weight": 40, "is_price": True},
    {"name": "機能", "name_en": "Functionality", "weight": 40},
    {"name": "サポート体制", "name_en": "Support", "weight": 20},
]


@pytest.fixture
def make_tender(cast: Cast) -> Callable[..., Tender]:
    def make(*, publish: bool = True, criteria: list[dict[str, Any]] | None = None, **overrides: Any) -> Tender:
        department = Department.objects.get(code="dx")
        tender = actions.create_tender(
            actor=cast.buyer, department=department, fields=tender_fields(**overrides), criteria=criteria or CRITERIA
        )
        return actions.publish_tender(actor=cast.buyer, tender=tender) if publish else tender

    return make


@pytest.fixture
def tender(make_tender: Callable[..., Tender]) -> Tender:
    return make_tender()


def service_of(supplier: Supplier) -> Service:
    return supplier.services.get()


def approver(position: str, department: str = "dx") -> User:
    return StaffFactory.create(department=department, position=position)
