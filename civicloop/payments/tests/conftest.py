# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Department, Position, User
from civicloop.applications.models import Application
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.documents import issue
from civicloop.integrations.payment.fake import FakeProvider
from civicloop.payments.models import Payment

ISSUED: list[str] = []


@pytest.fixture
def fake_results(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Results are recorded, not rendered and signed (documents' own tests render the PDF)."""
    ISSUED.clear()
    monkeypatch.setattr(issue, "issue_document", lambda case, **kw: ISSUED.append(str(case.public_id)))
    yield ISSUED


@pytest.fixture
def payment_settings(settings: Any) -> Any:
    settings.PAYMENT_PROVIDER = "civicloop.integrations.payment.fake.FakeProvider"
    settings.PAYMENT_WEBHOOK_SECRET = "test-secret"
    settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS = 300
    return settings


@pytest.fixture
def provider(payment_settings: Any) -> FakeProvider:
    return FakeProvider(secret="test-secret", tolerance_seconds=300)


@pytest.fixture
def koseki_staff(catalog: None) -> dict[str, User]:
    people = {}
    for name, position in [("clerk", Position.CLERK), ("kakari", Position.KAKARICHO), ("ka", Position.KACHO)]:
        user = User.objects.create(username=f"k-{name}", kind=User.Kind.STAFF, full_name=name, position=position)
        user.departments.add(Department.objects.get(code="koseki_juumin"))
        people[name] = user
    return people


@pytest.fixture
def case_at_fee(resident: User, koseki_staff: dict[str, User], fake_results: list[str], payment_settings: Any) -> Case:
    """The resident's 住民票の写し (2 copies, 600円), approved by the 課長 and waiting at 手数料納付."""
    version = Procedure.objects.get(code="juminhyo").current_version
    assert version is not None
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=version,
            applicant=resident,
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
            receipt_number="T-000001",
            answers={"copies": 2, "scope": "household"},
        )
        case = actions.open_case(application=application)
    clerk = koseki_staff["clerk"]
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve", comment="")
    for level in ("kakari", "ka"):
        case = Case.objects.get(pk=case.pk)
        if case.step == "approval":
            step = case.approval_steps.filter(status="pending").first()
            if step is not None:
                actions.act_on_approval(case=case, approver=koseki_staff[level], decision="approve")
    case = Case.objects.get(pk=case.pk)
    assert case.step == "fee", case.step
    return case


@pytest.fixture
def pay(provider: FakeProvider) -> Callable[..., tuple[bytes, dict[str, str]]]:
    """The webhook the provider would send for a payment opened at checkout."""

    def make(payment: Payment, *, amount_yen: int | None = None, at: datetime | None = None, event_id: str = "") -> Any:
        return provider.webhook(
            payment_id=str(payment.provider_payment_id),
            order_ref=str(payment.public_id),
            amount_yen=payment.amount_yen if amount_yen is None else amount_yen,
            method="card",
            at=at or timezone.now(),
            event_id=event_id,
        )

    return make
