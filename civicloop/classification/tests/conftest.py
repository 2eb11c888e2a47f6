# SPDX-License-Identifier: MPL-2.0
"""A small world for the classification tests: one resident's case file at each tier, and staff."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Department, Position, User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application, Attachment
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification import family
from civicloop.classification.policy import TIERS, DeviceTrust
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.intelligence.models import Inquiry
from civicloop.notifications.models import Channel, Message
from civicloop.payments.models import Payment, ReconciliationLine, ReconciliationRun
from civicloop.testing.factories import StaffFactory

DEVICE_HEADER = "HTTP_X_TEST_DEVICE_TRUST"


class DeviceHeaderMiddleware:
    """Tests only: the device posture named by a request header wins over the device registry's."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if DEVICE_HEADER in request.META:
            request.device_trust = DeviceTrust(request.META[DEVICE_HEADER])
        return self.get_response(request)


@dataclass
class CaseFile:
    """One submitted application, its case and one attachment, all at `tier`; and, at the same tier
    and for the same department, the resident's inquiry (お問い合わせ) and two notices about the case
    (on the portal and by e-mail). Their text carries `CONTENT_MARK` so a page can be searched for it.
    """

    tier: str
    application: Application
    case: Case
    attachment: Attachment
    inquiry: Inquiry
    notice: Message
    email_notice: Message
    # The fee paid for the application (civicloop.payments): its 領収書 and reconciliation line.
    payment: Payment | None = None


CONTENT_MARK = "CONTENT-MARK"
PERSONAL_ADDRESS = "PERSONAL-ADDRESS 渋谷区神南1-2-3"


def content_of(file: CaseFile) -> list[str]:
    """Strings that are content (or a resident's address) of the file's inquiry and notices."""
    return [file.inquiry.text, file.inquiry.answer, file.notice.title, file.notice.body, file.email_notice.address]


def _inquiry_and_notices(owner: User, case: Case, tier: str, key: str) -> tuple[Inquiry, Message, Message]:
    department = Department.objects.get(code=case.department.code)
    inquiry = Inquiry.objects.create(
        reference_number=f"Q-{key}"[:20],
        text=f"{CONTENT_MARK} inquiry text {key}: 粗大ごみの出し方",
        answer=f"{CONTENT_MARK} answer {key}",
        resident=owner,
        department=department,
        status=Inquiry.Status.ROUTED,
        classification=tier,
    )
    notices = [
        Message.objects.create(
            template_code="case.opened",
            channel=channel,
            recipient=owner,
            address=address,
            recipient_ref=f"user/{owner.public_id}",
            dedupe_key=f"world-{key}",
            title=f"{CONTENT_MARK} notice title {key}",
            body=f"{CONTENT_MARK} notice body {key}",
            subject=f"case/{case.public_id}",
            department_code=department.code,
            classification=tier,
        )
        for channel, address in ((Channel.PORTAL, ""), (Channel.EMAIL, owner.email or f"{key}@example.jp"))
    ]
    return inquiry, notices[0], notices[1]


@dataclass
class World:
    owner: User
    other: User
    files: dict[str, CaseFile]


def submit(user: User, procedure: Procedure, key: str) -> Application:
    application, _created = application_actions.submit_from_api(
        user=user, procedure=procedure, answers=VALID_SODAI_GOMI, idempotency_key=key
    )
    return application


def build_case_file(owner: User, procedure: Procedure, tier: str, key: str) -> CaseFile:
    application = submit(owner, procedure, key)
    attachment = Attachment.objects.create(
        application=application,
        kind="item_photo",
        file=ContentFile(b"\x89PNG photo of a sofa", name="x"),
        original_name="sofa.png",
        content_type="image/png",
        size=20,
        sha256="0" * 64,
    )
    case = Case.objects.get(application=application)
    with transaction.atomic():
        family.relabel_family(case, new=tier)
    case = Case.objects.select_related("department").get(pk=case.pk)
    return CaseFile(
        tier,
        Application.objects.get(pk=application.pk),
        case,
        Attachment.objects.get(pk=attachment.pk),
        *_inquiry_and_notices(owner, case, tier, key),
        payment=_paid_fee(application, case, key),
    )


def _paid_fee(application: Application, case: Case, key: str) -> Payment:
    return Payment.objects.create(
        application=application,
        case=case,
        amount_yen=400,
        lines=[{"label_ja": "手数料", "label_en": "Fee", "unit_yen": 400, "quantity": 1, "total_yen": 400}],
        timing="outside",
        state=Payment.State.CAPTURED,
        provider="fake",
        provider_payment_id=f"fpay_{key}",
        method="card",
        # Not the key: it names the tier, which no resident page may show (test_views).
        receipt_number=f"R-{uuid.uuid4().hex[:12]}",
        captured_at=timezone.now(),
    )


def _reconciliation(files: Iterable[CaseFile]) -> ReconciliationRun:
    """One settlement import that lists every file's payment as a difference (missing at the provider)."""
    run = ReconciliationRun.objects.create(
        provider="fake", file_name="world.csv", file_sha256="0" * 64, imported_at=timezone.now(), imported_by="test"
    )
    for file in files:
        assert file.payment is not None
        ReconciliationLine.objects.create(
            run=run,
            kind=ReconciliationLine.Kind.MISSING_THERE,
            provider_payment_id=str(file.payment.provider_payment_id),
            payment=file.payment,
            amount_here_yen=file.payment.amount_yen,
        )
    return run


@pytest.fixture
def world(make_resident: Callable[..., User], sodai_gomi: Procedure) -> World:
    # The owner's personal data, which no admin page may show (administration gives no access to it).
    owner = make_resident(address=PERSONAL_ADDRESS, birthdate=date(1980, 4, 1))
    other = make_resident()
    files = {tier: build_case_file(owner, sodai_gomi, tier, f"world-{tier}") for tier in TIERS}
    _reconciliation(files.values())
    return World(owner, other, files)


@pytest.fixture
def make_staff(catalog: None) -> Callable[..., User]:
    def make(
        *,
        departments: tuple[str, ...] = ("seiso",),
        clearance: str = "OFFICIAL",
        position: str = Position.CLERK,
        roles: tuple[str, ...] = (),
        name: str = "",
    ) -> User:
        named = {"username": name, "full_name": name} if name else {}
        return StaffFactory.create(
            department=departments, clearance=clearance, position=position, roles=list(roles), **named
        )

    return make


def staff_client(user: User) -> Client:
    """A client signed in as `user`; staff as if through /staff/login/ with a second factor."""
    client = Client()
    if user.is_staff_member:
        try:
            from civicloop.accounts.testing import sign_in_with_mfa
        except ImportError:  # before staff MFA existed
            client.force_login(user)
            return client
        return sign_in_with_mfa(client, user)
    client.force_login(user)
    return client


@pytest.fixture
def device_header(settings: Any) -> str:
    """Let requests name their device posture with the X-Test-Device-Trust header."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "civicloop.classification.tests.conftest.DeviceHeaderMiddleware"]
    return DEVICE_HEADER
