# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from civicloop.cases.models import Case
from civicloop.documents import rendering
from civicloop.payments import actions
from civicloop.payments.models import Payment


def _facts() -> rendering.DocumentFacts:
    return rendering.DocumentFacts(
        kind="decision_notice",
        outcome="approve",
        reason="",
        number="2026-koseki_juumin-00001",
        verification_code="V-AAAA-BBBB",
        issued_at=timezone.now(),
        is_demo=True,
    )


def test_the_decision_notice_states_the_fee_paid(case_at_fee: Case, pay: Callable[..., Any]) -> None:
    assert "<dt>手数料</dt>" not in rendering.render_html(case_at_fee, _facts())
    payment = actions.start_checkout(payment=Payment.objects.get(case=case_at_fee), return_url="http://testserver/")
    body, headers = pay(payment)
    actions.receive_webhook(body=body, headers=headers)
    html = rendering.render_html(Case.objects.get(pk=case_at_fee.pk), _facts())
    assert "<dt>手数料</dt><dd>600円（納付済み）</dd>" in html
