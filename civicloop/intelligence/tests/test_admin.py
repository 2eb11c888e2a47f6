# SPDX-License-Identifier: MPL-2.0
"""The admin pages are the triage queue for now: staff register, read and re-route inquiries there."""

import pytest
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.intelligence.models import Inquiry, RoutingCorrection, RoutingModel
from civicloop.testing.factories import InquiryFactory, StaffFactory

pytestmark = pytest.mark.django_db

# The inquiry change form's inline formset of corrections, empty.
NO_CORRECTIONS = {"corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0"}


@pytest.fixture
def staff_client(catalog: None) -> tuple[Client, User]:
    # Counter staff of 総務課, the department that triages inquiries (CIVICLOOP_INQUIRY_TRIAGE_DEPARTMENT).
    user = StaffFactory.create(username="counter", department="somu", superuser=True)
    return sign_in_with_mfa(Client(), user), user


def answer_in_admin(client: Client, inquiry: Inquiry, answer: str) -> None:
    client.post(
        f"/admin/intelligence/inquiry/{inquiry.pk}/change/",
        {**NO_CORRECTIONS, "answer": answer, "reroute_to": "", "reroute_reason": ""},
    )


def test_counter_staff_register_an_inquiry_for_a_resident(
    staff_client: tuple[Client, User], routing_model: RoutingModel
) -> None:
    client, user = staff_client
    response = client.post(
        "/admin/intelligence/inquiry/add/",
        {"text": "粗大ごみの申込をしたいと電話がありました", "channel": "phone", "contact_email": ""},
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == "phone" and inquiry.registered_by == user
    assert inquiry.suggested_department is not None and inquiry.reference_number.startswith("Q-")


def test_rerouting_in_the_admin_records_who_and_why(
    staff_client: tuple[Client, User], routing_model: RoutingModel
) -> None:
    client, user = staff_client
    inquiry = InquiryFactory.create(text="よくわからない問い合わせ")
    url = f"/admin/intelligence/inquiry/{inquiry.pk}/change/"
    gikai = Department.objects.get(code="gikai").pk
    missing_reason = client.post(url, {**NO_CORRECTIONS, "answer": "", "reroute_to": gikai, "reroute_reason": ""})
    assert missing_reason.status_code == 200 and not RoutingCorrection.objects.exists()
    client.post(url, {**NO_CORRECTIONS, "answer": "", "reroute_to": gikai, "reroute_reason": "議会の件"})
    correction = RoutingCorrection.objects.get()
    assert (
        correction.corrected_by == user and correction.reason == "議会の件" and correction.to_department.code == "gikai"
    )
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ROUTED


def test_only_the_department_an_inquiry_is_with_answers_it_even_as_a_superuser(
    staff_client: tuple[Client, User], routing_model: RoutingModel
) -> None:
    # given an inquiry with 清掃リサイクル課 and a superuser of 総務課
    client, _user = staff_client
    inquiry = InquiryFactory.create(status=Inquiry.Status.ROUTED, department=Department.objects.get(code="seiso"))
    # when the superuser answers it in the admin
    answer_in_admin(client, inquiry, "毎週申込制です。")
    # then nothing changed: administration is not authority over another department's work
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ROUTED and inquiry.answer == ""


def test_the_model_page_shows_its_evaluation(staff_client: tuple[Client, User], routing_model: RoutingModel) -> None:
    client, _user = staff_client
    RoutingModel.objects.filter(pk=routing_model.pk).update(
        cv_macro_f1=0.84,
        cv_ece=0.031,
        confusion={
            "labels": ["a", "b"],
            "matrix": [[3, 1], [0, 4]],
            "confused_pairs": [["a", "b", 1]],
            "reliability": [{"low": 0.9, "high": 1.0, "count": 7, "mean_confidence": 0.96, "accuracy": 0.857}],
        },
    )
    html = client.get(f"/admin/intelligence/routingmodel/{routing_model.pk}/change/").content.decode()
    assert "0.84" in html and "a ↔ b: 1" in html and "0.031" in html
    assert "<td>0.9–1.0</td><td>7</td><td>96%</td><td>86%</td>" in html


def test_an_answer_in_the_admin_reaches_the_resident(
    staff_client: tuple[Client, User], routing_model: RoutingModel, resident: User
) -> None:
    client, _user = staff_client
    inquiry = InquiryFactory.create(resident=resident)
    answer_in_admin(client, inquiry, "毎週申込制です。")
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ANSWERED and inquiry.answer == "毎週申込制です。"
    resident_client = Client()
    resident_client.force_login(resident)
    assert "毎週申込制です。" in resident_client.get(f"/inquiries/{inquiry.public_id}/").content.decode()


def test_the_triage_admin_shows_no_raw_confidence_or_json(
    staff_client: tuple[Client, User], routing_model: RoutingModel
) -> None:
    # given an inquiry the model was unsure about, with its candidates and telling words
    client, _user = staff_client
    inquiry = InquiryFactory.create(
        text="ソファを捨てたい",
        suggested_department=Department.objects.get(code="seiso"),
        confidence=0.4213,
        top3=[["seiso", 0.4213], ["gikai", 0.2871], ["somu", 0.1]],
        explanation=["ソファ", "捨て"],
    )

    # when a clerk looks at the triage list and the inquiry
    listing = client.get("/admin/intelligence/inquiry/").content.decode()
    detail = client.get(f"/admin/intelligence/inquiry/{inquiry.pk}/change/").content.decode()

    # then the confidence is in words and per cent, departments by name, and no float or JSON shows
    for page in (listing, detail):
        assert "0.4213" not in page and "0.42" not in page
        assert "低（42%）" in page
        assert "清掃リサイクル課" in page
    assert "[[" not in detail and '["' not in detail and "0.2871" not in detail
    assert "議会事務局 — 29%" in detail
    assert "「ソファ」、「捨て」" in detail
