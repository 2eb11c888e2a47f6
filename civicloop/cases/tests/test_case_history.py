# SPDX-License-Identifier: MPL-2.0
"""The case page's 経過: events in words, the drafting noise folded, and a 補正 as before → after."""

from collections.abc import Callable

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases import actions
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.classification.family import relabel_family
from civicloop.core import events
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db


def _history(page: str) -> str:
    return page.split('id="h-history"', 1)[1]


def test_the_history_tells_events_in_words_and_folds_a_run_of_step_saves(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    # given a resident who saved their answers seventeen times, and a clerk who claimed the case
    with transaction.atomic():
        for _ in range(17):
            events.record(
                "application.step_saved",
                subject=f"application/{case.application.public_id}",
                data={"procedure": "sodai-gomi", "step": "about-you"},
                classification=case.classification,
            )
    Event.objects.filter(type__endswith="application.step_saved").update(time=case.arrived_at)
    actions.claim_case(case=case, clerk=clerk)

    # when the clerk opens the case
    page = login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()

    # then no raw event code is shown, and the seventeen saves are one line with their count
    history = _history(page)
    assert "step_saved" not in page and "task_completed" not in page and "case.claimed" not in page
    assert history.count("申請者が入力内容を保存しました") == 1
    assert "17回" in history
    assert "担当者が案件を受け付けました（受付）" in history


def test_after_a_correction_the_clerk_sees_the_corrected_answers_before_and_after(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    # given a 補正 of the phone number, answered by the resident
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認")
    answers = {**case.application.answers, "contact": {"phone": "03-9999-0000"}}
    actions.resubmit_correction(application=case.application, resident=case.application.applicant, answers=answers)

    # when the clerk opens the case
    page = login(clerk).get(reverse("cases:case-detail", args=[case.public_id])).content.decode()

    # then the page shows the answer by its label in the form, before → after, linked from the history
    request = CorrectionRequest.objects.get(case=case)
    assert request.answers_before == {"contact": {"phone": "03-1234-5678"}}
    assert request.answers_after == {"contact": {"phone": "03-9999-0000"}}
    corrections = page.split('id="h-corrections"', 1)[1]
    assert "電話番号" in corrections
    assert "<del>03-1234-5678</del>" in corrections and "<ins>03-9999-0000</ins>" in corrections
    assert f'href="#correction-{request.public_id}"' in _history(page)
    assert "申請者が補正した申請を再提出しました" in _history(page)


def test_the_answers_of_a_correction_are_relabelled_with_the_case_and_sealed_at_secret(case: Case, clerk: User) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認")
    with transaction.atomic():
        relabel_family(Case.objects.get(pk=case.pk), new="SECRET")
    assert CorrectionRequest.objects.get(case=case).classification == "SECRET"
    answers = {**case.application.answers, "contact": {"phone": "03-9999-0000"}}
    actions.resubmit_correction(application=case.application, resident=case.application.applicant, answers=answers)

    stored = CorrectionRequest.objects.filter(case=case).values_list("answers_before", "answers_after").get()
    assert "03-1234-5678" not in str(stored[0]) and "03-9999-0000" not in str(stored[1])
    assert CorrectionRequest.objects.get(case=case).answers_after == {"contact": {"phone": "03-9999-0000"}}
