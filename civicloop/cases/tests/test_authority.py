# SPDX-License-Identifier: MPL-2.0
"""Visibility is not authority, through the pages: the probe's attack replayed over HTTP.

The write matrix (civicloop/classification/tests/test_write_matrix.py) covers every action for
every role; these tests check that the step pages hand the request's device to the actions and
turn a refusal into a message with nothing changed.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.cases import actions
from civicloop.cases.models import Case, CaseComment, CaseTask
from civicloop.classification import family
from civicloop.classification.family import content_type_of
from civicloop.classification.models import NeedToKnowGrant
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_results")]

DEVICE_HEADER = "HTTP_X_TEST_DEVICE_TRUST"


@pytest.fixture
def device_header(settings: object) -> None:
    settings.MIDDLEWARE = [  # type: ignore[attr-defined]
        *settings.MIDDLEWARE,  # type: ignore[attr-defined]
        "civicloop.classification.tests.conftest.DeviceHeaderMiddleware",
    ]


def _auditor(staff: Callable[..., User]) -> User:
    return staff("auditor", department="somu", roles=[Role.AUDITOR], clearance="SECRET")


def test_an_auditor_can_read_a_case_but_every_step_page_refuses_them(
    case: Case, staff: Callable[..., User], login: Callable[[User], Client]
) -> None:
    # given an auditor of 総務課, who may view 清掃リサイクル課's case
    client = login(_auditor(staff))
    assert client.get(reverse("cases:case-detail", args=[case.public_id])).status_code == 200
    # when they try the steps the probe took: claim, comment, draft the decision, confirm the fee
    # (a refused 起案 answers 403 with the form as sent; the other steps go back to the case page)
    for name, data, status in (
        ("cases:case-claim", {}, 200),
        ("cases:comment-create", {"body": "確認しました"}, 200),
        ("cases:case-decide", {"outcome": "approve"}, 403),
        ("cases:fee-confirm", {}, 200),
    ):
        response = client.post(reverse(name, args=[case.public_id]), data, follow=True)
        assert response.status_code == status
    # then nothing changed: no assignee, no comment, the case still waits at 受付
    case.refresh_from_db()
    assert case.assignee_id is None and case.step == "intake"
    assert not CaseComment.objects.exists()
    assert not CaseTask.objects.filter(case=case, completed_at__isnull=False).exists()
    assert "この案件でこの作業を行う権限がありません。変更はありません。" in response.content.decode()


def test_a_secret_case_is_worked_from_a_byod_device_and_refused_from_an_unknown_one(
    case: Case, clerk: User, login: Callable[[User], Client], device_header: None
) -> None:
    # given a SECRET case and its department's clerk, cleared for SECRET
    with transaction.atomic():
        family.relabel_family(case, new="SECRET")
    User.objects.filter(pk=clerk.pk).update(clearance="SECRET")
    client = login(User.objects.get(pk=clerk.pk))
    url = reverse("cases:case-claim", args=[case.public_id])
    # when they claim it from an unregistered device, the case stays hidden (404) and unclaimed
    assert client.post(url, **{DEVICE_HEADER: "unknown"}).status_code == 404
    assert Case.objects.get(pk=case.pk).assignee_id is None
    # then from an approved personal device the claim goes through: the view passed the device on
    assert client.post(url, **{DEVICE_HEADER: "byod"}).status_code == 302
    assert Case.objects.get(pk=case.pk).assignee_id == clerk.pk


def test_a_need_to_know_grantee_of_another_department_sees_but_cannot_comment(
    case: Case, staff: Callable[..., User]
) -> None:
    # given a clerk of 子育て給付課 named for the case
    grantee = staff("grantee", department="kosodate_kyufu")
    NeedToKnowGrant.objects.create(
        content_type=content_type_of(case),
        object_public_id=case.public_id,
        user=grantee,
        granted_by=staff("officer", department="somu", roles=[Role.SECURITY_OFFICER]),
        reason="連携のため閲覧",
        expires_at=timezone.now() + timedelta(days=7),
    )
    # when they comment, then the action refuses and writes the denial to the audit log
    with pytest.raises(actions.NotAuthorised):
        actions.add_comment(case=case, author=grantee, body="意見です", context=Context(DeviceTrust.MANAGED))
    assert not CaseComment.objects.exists()
    assert AuditEntry.objects.filter(action="access.work", data__allowed=False).exists()


def test_the_inbox_audits_the_secret_cases_it_lists(
    case: Case, clerk: User, login: Callable[[User], Client], device_header: None
) -> None:
    # given a SECRET case in the clerk's department
    with transaction.atomic():
        family.relabel_family(case, new="SECRET")
    User.objects.filter(pk=clerk.pk).update(clearance="SECRET")
    # when the clerk opens the inbox from an approved personal device
    page = login(User.objects.get(pk=clerk.pk)).get(reverse("cases:case-list"), **{DEVICE_HEADER: "byod"})
    # then the case is listed and the listing is audited as the case page would be
    assert case.application.receipt_number in page.content.decode()
    assert AuditEntry.objects.filter(action="access.view", object_id=str(case.public_id), data__reason="listed")


def test_a_correction_that_does_not_ask_about_a_date_is_not_refused_because_the_date_has_passed(
    case: Case, clerk: User
) -> None:
    # given an application whose collection day has passed since it was submitted
    answers = dict(case.application.answers)
    answers["collection"] = {**answers["collection"], "preferred_date": "2020-01-06"}
    type(case.application).objects.filter(pk=case.application_id).update(answers=answers)
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認")
    # when the resident corrects only the phone number
    application = type(case.application).objects.get(pk=case.application_id)
    assert application.applicant is not None
    actions.resubmit_correction(
        application=application,
        resident=application.applicant,
        answers={**answers, "contact": {"phone": "03-9999-0000"}},
    )
    # then the correction is accepted and the answer it asked about changed
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW
