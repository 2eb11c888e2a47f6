# SPDX-License-Identifier: MPL-2.0
"""The resident's journey through the HTML pages, without JavaScript."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.models import AuditEntry, Event
from civicloop.notifications import worker as notification_worker
from civicloop.relay.relay import run_pass

pytestmark = pytest.mark.django_db


def _flatten(prefix: str, value: object) -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, inner in value.items():
            out.update(_flatten(f"{prefix}.{key}" if prefix else key, inner))
        return out
    if isinstance(value, list):
        out = {}
        for index, inner in enumerate(value):
            out.update(_flatten(f"{prefix}.{index}", inner))
        return out
    return {prefix: str(value)}


def _start(client: Client, code: str = "sodai-gomi") -> Application:
    response = client.post(reverse("applications:application-start", args=[code]))
    assert response.status_code == 302
    return Application.objects.latest("created_at")


def _fill_all_steps(client: Client, application: Application, answers: dict) -> None:
    for step in ("applicant", "items", "collection"):
        fields = {"applicant": ["applicant", "contact"], "items": ["items"], "collection": ["collection"]}[step]
        data = {}
        for name in fields:
            data.update(_flatten(name, answers[name]))
        response = client.post(reverse("applications:step-edit", args=[application.public_id, step]), data)
        assert response.status_code == 302, response.content.decode()[:2000]


def test_starting_needs_sign_in_when_the_procedure_does_not_allow_guests(client: Client, sodai_gomi: Procedure) -> None:
    response = client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Application.objects.exists()


def test_an_invalid_step_shows_an_error_summary_and_keeps_what_was_typed(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    # given a draft
    application = _start(resident_client)
    # when the first step is sent with a family name only and a malformed phone number
    response = resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "applicant"]),
        {"applicant.family": "𠮷田", "contact.phone": "電話"},
    )
    # then the page explains each problem in Japanese and the draft keeps the input
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r"<title>エラー：[^ ]", html)  # a full-width colon, no space after it
    assert 'class="error-summary"' in html
    assert "申込者の氏名（名）を入力してください" in html
    assert 'href="#f-applicant-given"' in html
    assert "連絡先（電話番号）は「03-1234-5678」「090-1234-5678」のように市外局番から入力してください" in html
    application.refresh_from_db()
    assert application.answers["applicant"] == {"family": "𠮷田"}
    assert application.answers["contact"] == {"phone": "電話"}


def test_full_width_digits_and_half_width_kana_are_normalised(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "applicant"]),
        {
            "applicant.family": "髙橋",
            "applicant.given": "美咲",
            "applicant.family_kana": "ﾀｶﾊｼ",
            "applicant.given_kana": "ミサキ",
            "contact.phone": "０３－１２３４－５６７８",
        },
    )
    application.refresh_from_db()
    assert application.answers["applicant"]["family"] == "髙橋"
    assert application.answers["applicant"]["family_kana"] == "タカハシ"
    assert application.answers["contact"]["phone"] == "03-1234-5678"


def test_a_resident_applies_and_gets_a_receipt_number_an_email_and_a_status_page(
    resident: User, resident_client: Client, sodai_gomi: Procedure, django_capture_on_commit_callbacks
) -> None:
    # given every step answered
    application = _start(resident_client)
    _fill_all_steps(resident_client, application, VALID_SODAI_GOMI)
    check = resident_client.get(reverse("applications:application-check", args=[application.public_id]))
    assert "𠮷田" in check.content.decode()
    assert "ソファ" in check.content.decode()
    # when the declaration is confirmed and the form submitted
    with django_capture_on_commit_callbacks(execute=True):
        response = resident_client.post(
            reverse("applications:application-check", args=[application.public_id]),
            {"declaration": "yes", "submission_key": str(application.public_id)},
            follow=True,
        )
    # then the confirmation shows a receipt number, which is also emailed and listed
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert re.fullmatch(r"\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", application.receipt_number or "")
    assert application.receipt_number in response.content.decode()
    # the worker queues the receipt notice from the committed event (the relay), then sends it
    assert not mail.outbox
    run_pass()
    assert notification_worker.run_once() == 1
    assert len(mail.outbox) == 1 and application.receipt_number in mail.outbox[0].body
    assert mail.outbox[0].to == [resident.email]
    listing = resident_client.get(reverse("applications:application-list")).content.decode()
    assert application.receipt_number in listing
    assert (
        Event.objects.filter(
            type="jp.lg.civicloop.application.submitted", subject__endswith=str(application.public_id)
        ).count()
        == 1
    )
    assert AuditEntry.objects.filter(action="application.submit", object_id=str(application.public_id)).exists()


def test_submitting_twice_makes_one_application(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    _fill_all_steps(resident_client, application, VALID_SODAI_GOMI)
    url = reverse("applications:application-check", args=[application.public_id])
    first = resident_client.post(url, {"declaration": "yes", "submission_key": "k"})
    application.refresh_from_db()
    number = application.receipt_number
    second = resident_client.post(url, {"declaration": "yes", "submission_key": "k"})
    application.refresh_from_db()
    assert first.status_code == 302
    assert second.status_code == 404  # no longer a draft: nothing to submit, nothing changed
    assert application.receipt_number == number
    assert Event.objects.filter(type="jp.lg.civicloop.application.submitted").count() == 1


def test_submission_without_the_declaration_is_refused(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    _fill_all_steps(resident_client, application, VALID_SODAI_GOMI)
    response = resident_client.post(reverse("applications:application-check", args=[application.public_id]), {})
    assert response.status_code == 400
    assert "宣誓事項を確認" in response.content.decode()
    application.refresh_from_db()
    assert application.is_draft


def test_an_incomplete_draft_cannot_be_submitted_and_links_to_the_step(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    application = _start(resident_client)
    response = resident_client.post(
        reverse("applications:application-check", args=[application.public_id]), {"declaration": "yes"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f"/applications/{application.public_id}/step/items/?return=check" in html
    application.refresh_from_db()
    assert application.is_draft and application.receipt_number is None


def test_a_draft_is_resumable_from_my_applications(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "items"]), {"items.0.item": "sofa"}
    )
    listing = resident_client.get(reverse("applications:application-list")).content.decode()
    assert str(application.public_id) in listing
    resume = resident_client.get(reverse("applications:application-detail", args=[application.public_id]))
    assert resume["Location"] == reverse("applications:step-edit", args=[application.public_id, "items"])


def test_a_conditional_step_appears_only_when_its_condition_holds(resident_client: Client, catalog: None) -> None:
    application = _start(resident_client, "jido-teate")
    step_url = reverse("applications:step-edit", args=[application.public_id, "spouse-question"])
    no = resident_client.post(step_url, {"has_spouse": "no"})
    assert no["Location"].endswith("/step/children/")
    yes = resident_client.post(step_url, {"has_spouse": "yes"})
    assert yes["Location"].endswith("/step/spouse/")


def test_add_another_adds_a_row_without_losing_input(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    response = resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "items"]),
        {"items.0.item": "sofa", "items.0.quantity": "1", "add_row": "items"},
    )
    html = response.content.decode()
    assert 'name="items.1.item"' in html
    assert 'value="sofa" selected' in html


def test_tampered_hidden_fields_and_unknown_names_change_nothing_else(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    application = _start(resident_client)
    resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "applicant"]),
        {
            "applicant.family": "渋谷",
            "collection.address.city": "injected",
            "status": "approved",
            "receipt_number": "X",
        },
    )
    application.refresh_from_db()
    assert "collection" not in application.answers
    assert application.status == Application.Status.DRAFT
    assert application.receipt_number is None


def test_an_unknown_step_is_a_404(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    assert (
        resident_client.get(reverse("applications:step-edit", args=[application.public_id, "nope"])).status_code == 404
    )


def test_a_postcode_without_hyphen_is_stored_in_one_form(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "collection"]),
        {"collection.address.postal_code": "１５０００４２"},
    )
    application.refresh_from_db()
    assert application.answers["collection"]["address"]["postal_code"] == "150-0042"


def test_errors_inside_a_repeated_row_say_which_row(resident_client: Client, catalog: None) -> None:
    application = _start(resident_client, "jido-teate")
    response = resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "children"]),
        {"children.0.name.family": "渋谷", "children.1.name.family": "渋谷", "has_child_apart": "no"},
    )
    assert "子ども 2：子どもの氏名（名）を入力してください" in response.content.decode()  # a full-width colon


def test_every_answer_on_the_check_page_links_to_its_field(resident_client: Client, sodai_gomi: Procedure) -> None:
    application = _start(resident_client)
    _fill_all_steps(resident_client, application, VALID_SODAI_GOMI)
    html = resident_client.get(reverse("applications:application-check", args=[application.public_id])).content.decode()
    step = reverse("applications:step-edit", args=[application.public_id, "items"])
    assert f'href="{step}?return=check#f-items-0-quantity"' in html
    collection = reverse("applications:step-edit", args=[application.public_id, "collection"])
    assert f'href="{collection}?return=check#f-collection-address-postal_code"' in html
