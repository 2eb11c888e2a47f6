# SPDX-License-Identifier: MPL-2.0
"""補正: a clerk names the answers to fix and why; the resident changes only those; the clock pauses."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.cases import actions
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.core.calendar import add_business_days, business_days_between

pytestmark = pytest.mark.django_db


def test_a_clerk_requests_a_correction_and_the_clock_pauses(
    case: Case, clerk: User, resident_client: Client, login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    response = login(clerk).post(
        reverse("cases:correction-request", args=[case.public_id]),
        {"fields": ["contact"], "reason": "電話番号がつながりません。正しい番号を入力してください。"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CORRECTION and case.sla_state() == Case.Sla.PAUSED
    assert case.application.status == Application.Status.CORRECTION_REQUESTED
    detail = resident_client.get(
        reverse("applications:application-detail", args=[case.application.public_id])
    ).content.decode()
    assert "電話番号がつながりません" in detail
    assert reverse("cases:correction-resubmit", args=[case.application.public_id]) in detail


def test_the_resident_changes_only_the_named_answers_and_the_due_date_moves(
    case: Case, clerk: User, resident_client: Client
) -> None:
    # given a correction request sent two weeks ago (at least one business day, even over new year)
    actions.claim_case(case=case, clerk=clerk)
    request = actions.request_correction(
        case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認"
    )
    sent = timezone.now() - timedelta(days=14)
    CorrectionRequest.objects.filter(pk=request.pk).update(requested_at=sent)
    before = Case.objects.get(pk=case.pk).due_date
    url = reverse("cases:correction-resubmit", args=[case.application.public_id])
    page = resident_client.get(url).content.decode()
    assert 'name="contact.phone"' in page and 'name="applicant.family"' not in page
    # when the resident sends a bad number, then a good one (and tries to change another answer)
    bad = resident_client.post(url, {"contact.phone": "つながらない"})
    assert bad.status_code == 400 and "（電話番号）は「03-1234-5678」「090-1234-5678」のように" in bad.content.decode()
    good = resident_client.post(url, {"contact.phone": "03-9999-0000", "applicant.family": "改ざん"})
    # then only the named answer changed, the case is back in review, and the period is extended
    assert good.status_code == 302
    application = Application.objects.get(pk=case.application_id)
    assert application.answers["contact"]["phone"] == "03-9999-0000"
    assert application.answers["applicant"]["family"] == "𠮷田"
    assert application.status == Application.Status.IN_REVIEW
    request.refresh_from_db()
    case.refresh_from_db()
    expected_pause = business_days_between(timezone.localdate(sent), timezone.localdate())
    assert request.resolved_at is not None and request.paused_business_days == expected_pause > 0
    assert case.status == Case.Status.IN_REVIEW
    assert case.due_date == add_business_days(before, request.paused_business_days)


def test_an_illegal_correction_changes_nothing(case: Case, clerk: User) -> None:
    with pytest.raises(actions.IllegalTransition):  # still at intake: nobody has reviewed it
        actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="確認")
    actions.claim_case(case=case, clerk=clerk)
    with pytest.raises(actions.InvalidInput):
        actions.request_correction(case=case, clerk=clerk, fields=["no_such_field"], attachments=[], reason="x")
    with pytest.raises(actions.InvalidInput):
        actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason=" ")
    assert Case.objects.get(pk=case.pk).step == "review"
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="確認")
    with pytest.raises(actions.IllegalTransition):
        actions.request_correction(case=case, clerk=clerk, fields=["items"], attachments=[], reason="もう一度")
    assert CorrectionRequest.objects.count() == 1


def test_nobody_else_can_open_the_residents_correction_page(
    case: Case, clerk: User, other_resident: User, login: Callable[[User], Client]
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="確認")
    url = reverse("cases:correction-resubmit", args=[case.application.public_id])
    assert login(other_resident).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_without_an_open_request_there_is_no_correction_page(case: Case, resident_client: Client) -> None:
    assert (
        resident_client.get(reverse("cases:correction-resubmit", args=[case.application.public_id])).status_code == 404
    )


def test_a_correction_replaces_the_named_documents_and_keeps_the_old_ones(
    case: Case, clerk: User, resident_client: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from civicloop.applications.actions import check_upload, store_attachment
    from civicloop.applications.models import Application
    from civicloop.applications.tests.test_attachments import tiny_png
    from civicloop.catalog.definition import Definition

    application = Application.objects.get(pk=case.application_id)
    definition = Definition(application.procedure_version.definition)
    with transaction.atomic():
        first = store_attachment(
            application, check_upload(definition, "item_photo", SimpleUploadedFile("blurred.png", tiny_png()))
        )
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=[], attachments=["item_photo"], reason="写真が不鮮明です")
    url = reverse("cases:correction-resubmit", args=[application.public_id])
    assert 'name="attachment-item_photo"' in resident_client.get(url).content.decode()

    missing = resident_client.post(url, {})
    assert missing.status_code == 400 and "品目の写真の新しいファイルを添付してください" in missing.content.decode()
    wrong = resident_client.post(url, {"attachment-item_photo": SimpleUploadedFile("photo.png", b"%PDF-1.4 not a png")})
    assert wrong.status_code == 400
    assert Case.objects.get(pk=case.pk).status == Case.Status.CORRECTION  # nothing changed

    response = resident_client.post(url, {"attachment-item_photo": SimpleUploadedFile("sharp.png", tiny_png())})
    assert response.status_code == 302
    current = list(application.attachments.filter(superseded_at__isnull=True).values_list("original_name", flat=True))
    assert current == ["sharp.png"]
    first.refresh_from_db()
    assert first.superseded_at is not None and first.file.storage.exists(first.file.name)
    assert Case.objects.get(pk=case.pk).step == "review"
