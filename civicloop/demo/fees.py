# SPDX-License-Identifier: MPL-2.0
"""The demo's fees: 住民票の写し and 戸籍証明書 requests of the demo residents, paid and refunded.

戸籍住民課 handles them: clerk-koseki reviews and takes fees at the counter, kakaricho-koseki
decides (係長専決) and reconciles the provider's daily file. Most were paid online through the demo
provider (the hosted page's own capture, civicloop.demo.pay), some in cash at the counter; one
online fee is partly refunded, one counter fee wholly paid back in cash, and 渋谷 花子's latest
request waits for her to pay. Every step is an action of the cases and payments apps (rules,
audit, events, 領収番号, the result document), taken on its own day with the clock set back.

Each request is found again by its submission key (`demo-fee-…`): a second run makes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from unittest import mock

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.actions import submit_from_api
from civicloop.applications.models import Application
from civicloop.cases import actions as case_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.core.calendar import is_business_day
from civicloop.demo import pay
from civicloop.integrations.payment import client
from civicloop.integrations.payment.client import PaymentError
from civicloop.integrations.payment.fake import FakeProvider
from civicloop.payments import actions, reconciliation
from civicloop.payments.models import Payment, ReconciliationRun

CLERK, DECIDER = "clerk-koseki", "kakaricho-koseki"
KEY_PREFIX = "demo-fee-"
SETTLEMENT_FILE = "demo-settlement.csv"
RECONCILER_PERMISSIONS = ("view_reconciliationrun", "add_reconciliationrun")


@dataclass(frozen=True)
class DemoFee:
    """One request: who, what, how many days ago it came, and how its fee went."""

    key: str
    resident: str  # the demo resident's subject (residents.DEMO_RESIDENTS)
    procedure: str  # juminhyo | koseki-shomei
    copies: int
    days_ago: int  # working days
    paid: str  # a provider method (card, konbini, payeasy, qr), "counter", or "" (still due)
    certificate: str = "zenbu"  # koseki-shomei only
    refund_yen: int = 0  # 0: none; otherwise how much goes back, with `refund_reason`
    refund_reason: str = ""


FEES = [
    DemoFee("01", "demo-0001", "koseki-shomei", 2, 12, "card"),
    DemoFee("02", "demo-0002", "juminhyo", 2, 11, "counter"),
    DemoFee(
        "03",
        "demo-0003",
        "juminhyo",
        3,
        10,
        "card",
        refund_yen=300,
        refund_reason="1通多く請求していたとの申出（2通で足りる）",
    ),
    DemoFee("04", "demo-0003", "koseki-shomei", 1, 9, "konbini", certificate="kaisei"),
    DemoFee("05", "demo-0004", "juminhyo", 1, 8, "qr"),
    DemoFee(
        "06",
        "demo-0004",
        "juminhyo",
        2,
        7,
        "counter",
        refund_yen=600,
        refund_reason="請求の取下げ（提出先から不要と言われたため）",
    ),
    DemoFee("07", "demo-0002", "koseki-shomei", 2, 6, "card", certificate="joseki"),
    DemoFee("08", "demo-0001", "juminhyo", 1, 5, "counter"),
    DemoFee("09", "demo-0003", "juminhyo", 2, 4, "payeasy"),
    DemoFee("10", "demo-0002", "juminhyo", 1, 3, "card"),
    DemoFee("11", "demo-0003", "koseki-shomei", 1, 2, "counter"),
    DemoFee("12", "demo-0001", "juminhyo", 1, 1, ""),
]

# Each resident's registered address and phone, as the forms ask for them (residents.py has one line).
ADDRESSES: dict[str, tuple[dict[str, str], str]] = {
    "demo-0001": (
        {"postal_code": "150-0042", "prefecture": "東京都", "city": "渋谷区", "town": "宇田川町", "block": "1-1"}
        | {"building": "シブヤハイツ101"},
        "03-3463-1211",
    ),
    "demo-0002": (
        {"postal_code": "150-0041", "prefecture": "東京都", "city": "渋谷区", "town": "神南", "block": "2-3-4"},
        "090-1234-5678",
    ),
    "demo-0003": (
        {"postal_code": "150-0021", "prefecture": "東京都", "city": "渋谷区", "town": "恵比寿西", "block": "1-2-3"}
        | {"building": "恵比寿レジデンス502"},
        "080-2345-6789",
    ),
    "demo-0004": (
        {"postal_code": "151-0053", "prefecture": "東京都", "city": "渋谷区", "town": "代々木", "block": "5-6-7"},
        "070-3456-7890",
    ),
}


# Alex Smith has no 戸籍 (a foreign resident) and is named family name first on the 住民票.
HOUSEHOLD_HEADS = {
    "demo-0004": {"family": "Smith", "given": "Alex", "family_kana": "スミス", "given_kana": "アレックス"}
}


def _name(fee: DemoFee, user: User) -> dict[str, str]:
    if fee.resident in HOUSEHOLD_HEADS:
        return HOUSEHOLD_HEADS[fee.resident]
    family, _sep, given = user.full_name.partition(" ")
    family_kana, _sep, given_kana = user.full_name_kana.partition(" ")
    return {"family": family, "given": given, "family_kana": family_kana, "given_kana": given_kana}


def _answers(fee: DemoFee, user: User) -> dict[str, Any]:
    address, phone = ADDRESSES[fee.resident]
    contact = {"phone": phone, "email": user.email}
    if fee.procedure == "juminhyo":
        return {
            "applicant_relation": "self",
            "contact": contact,
            "registered_address": address,
            "household_head": _name(fee, user),
            "scope": "household",
            "purpose": "employment",
            "copies": fee.copies,
        }
    return {
        "applicant_relation": "self",
        "relationship": "self",
        "contact": contact,
        "honseki": f"東京都渋谷区{address['town']}{address['block'].split('-')[0]}番地",
        "hittousha": user.full_name,
        "certificate_kind": fee.certificate,
        "copies": fee.copies,
        "purpose": "inheritance" if fee.certificate in {"joseki", "kaisei"} else "passport",
    }


@contextmanager
def _on(moment: datetime) -> Iterator[None]:
    """now() is `moment` inside: each step happens on its own day (as in demo.procurement)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _day(days_ago: int, hour: int) -> datetime:
    """`hour` o'clock, `days_ago` working days back (the counter is closed on 土日祝), Japan time."""
    day = timezone.localdate()
    while days_ago > 0:
        day -= timedelta(days=1)
        days_ago -= int(is_business_day(day))
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _decide(case: Case, clerk: User, decider: User) -> Case:
    """受付, 審査 and the 係長's 決裁: the case waits at 手数料納付 with its fee due."""
    case_actions.claim_case(case=case, clerk=clerk)
    case_actions.submit_review(case=case, clerk=clerk, outcome="approve", comment="本人確認済み（公的個人認証）")
    case = Case.objects.get(pk=case.pk)
    while case.step == "approval":
        case_actions.act_on_approval(case=case, approver=decider, decision="approve")
        case = Case.objects.get(pk=case.pk)
    return case


def _pay_online(payment: Payment, method: str) -> Payment:
    """The resident's 支払う: the checkout opens, and the demo provider's page takes the payment."""
    provider = client.provider()
    assert isinstance(provider, FakeProvider)  # the demo's settings (CIVICLOOP_DEMO) choose it
    opened = actions.start_checkout(payment=payment, return_url="/")
    token = opened.checkout_url.partition("?t=")[2]
    pay.capture(provider, provider.read_checkout(token), method)
    return Payment.objects.get(pk=payment.pk)


def _refund(payment: Payment, fee: DemoFee, clerk: User) -> None:
    if payment.is_counter:
        actions.refund_counter_payment(
            payment=payment,
            clerk=clerk,
            reason=fee.refund_reason,
            method="cash",
            reference=f"還付受領書 No.{fee.key}",
            amount_yen=fee.refund_yen,
        )
    else:
        actions.refund_payment(payment=payment, clerk=clerk, reason=fee.refund_reason, amount_yen=fee.refund_yen)


def _make(fee: DemoFee, procedure: Procedure, staff: tuple[User, User]) -> None:
    clerk, decider = staff
    resident = User.objects.get(username=f"demo-{fee.resident}")
    with _on(_day(fee.days_ago, 9)):
        application, _made = submit_from_api(
            user=resident, procedure=procedure, answers=_answers(fee, resident), idempotency_key=KEY_PREFIX + fee.key
        )
    with _on(_day(fee.days_ago, 11)):
        case = _decide(Case.objects.get(application=application), clerk, decider)
    if not fee.paid:
        return
    with _on(_day(fee.days_ago, 15)):
        if fee.paid == "counter":
            case_actions.confirm_fee(case=case, clerk=clerk, comment=f"窓口で現金受領（No.{fee.key}）")
            payment = case.payments.get()
        else:
            payment = _pay_online(case.payments.get(state=Payment.State.DUE), fee.paid)
    if fee.refund_yen:
        with _on(_day(fee.days_ago - 1, 10)):
            _refund(payment, fee, clerk)


def _reconcile(decider: User) -> int:
    """The provider's file of the online captures, imported once (matched, no differences)."""
    if ReconciliationRun.objects.filter(file_name=SETTLEMENT_FILE).exists():
        return 0
    captured = Payment.objects.filter(
        provider=client.provider().name, captured_at__isnull=False, application__submission_key__startswith=KEY_PREFIX
    ).order_by("captured_at")
    rows = [f"{p.provider_payment_id},{p.public_id},{p.amount_yen},capture" for p in captured]
    if not rows:
        return 0
    data = "\n".join(["payment_id,order_ref,amount_yen,kind", *rows, ""]).encode()
    reconciliation.import_settlement(data=data, file_name=SETTLEMENT_FILE, actor=f"user/{decider.public_id}")
    return 1


def _allow_reconciling(decider: User) -> None:
    """The 係長 checks the day's payments against the provider's file (照合), so may read and import it."""
    decider.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=RECONCILER_PERMISSIONS)
    )


def _demo_provider() -> bool:
    """Whether payments go to the demo provider (they do with CIVICLOOP_DEMO unless configured otherwise)."""
    try:
        return isinstance(client.provider(), FakeProvider)
    except PaymentError:
        return False


def seed_fees() -> int:
    """Make the demo's fee requests that are missing; returns how many requests (and imports) were made."""
    people = {u.username: u for u in User.objects.filter(username__in=[CLERK, DECIDER])}
    procedures = {p.code: p for p in Procedure.objects.published().filter(code__in=["juminhyo", "koseki-shomei"])}
    if len(people) < 2 or len(procedures) < 2 or not _demo_provider():
        return 0
    staff = (people[CLERK], people[DECIDER])
    _allow_reconciling(staff[1])
    made = 0
    existing = set(
        Application.objects.filter(submission_key__startswith=KEY_PREFIX).values_list("submission_key", flat=True)
    )
    for fee in FEES:
        if KEY_PREFIX + fee.key in existing or not User.objects.filter(username=f"demo-{fee.resident}").exists():
            continue
        with transaction.atomic():  # a request is made whole or not at all: the next run finishes the rest
            _make(fee, procedures[fee.procedure], staff)
        made += 1
    return made + _reconcile(staff[1])
