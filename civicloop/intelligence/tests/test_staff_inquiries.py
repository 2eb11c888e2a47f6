# SPDX-License-Identifier: MPL-2.0
"""Staff handle inquiries in /staff/inquiries/: the queue, the triage inbox, the reasons, reply, re-route, case."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicloop.accounts.models import Department, Role, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.core.models import AuditEntry, Event
from civicloop.intelligence import actions
from civicloop.intelligence.models import Inquiry, RoutingCorrection, RoutingModel
from civicloop.notifications.models import Message

pytestmark = pytest.mark.django_db

BULKY = "引っ越しでソファと本棚を捨てたいのですが、大きいごみはどうやって出せばいいですか"
VAGUE = "ちょっと聞きたいことがあります"


@pytest.fixture
def triage_clerk(make_clerk: Callable[..., User]) -> User:
    return make_clerk("somu", username="somu-clerk")


def staff(user: User) -> Client:
    return sign_in_with_mfa(Client(), user)


def routed(resident: User | None, settings: Any, text: str = BULKY) -> Inquiry:
    settings.ROUTING_THRESHOLD = 0.0
    return actions.submit_inquiry(text=text, resident=resident)


def waiting(resident: User | None, settings: Any, text: str = BULKY) -> Inquiry:
    settings.ROUTING_THRESHOLD = 1.01
    return actions.submit_inquiry(text=text, resident=resident)


def page(client: Client, inquiry: Inquiry) -> Any:
    return client.get(reverse("intelligence:staff-inquiry-detail", args=[inquiry.public_id]))


def test_the_triage_inbox_lists_the_least_sure_first_in_japanese(
    routing_model: RoutingModel, triage_clerk: User, resident: User, settings: Any
) -> None:
    # given two inquiries below the threshold, one much less sure than the other
    sure = waiting(resident, settings, BULKY)
    unsure = waiting(resident, settings, VAGUE)
    assert unsure.confidence is not None and sure.confidence is not None and unsure.confidence < sure.confidence
    # when the triage department opens its inbox
    html = staff(triage_clerk).get(reverse("intelligence:staff-triage")).content.decode()
    # then the least sure comes first, its confidence in words, never a raw float
    assert html.index(unsure.reference_number) < html.index(sure.reference_number)
    assert "振り分け" in html and "低（" in html
    assert str(round(unsure.confidence, 4)) not in html


def test_a_clerk_of_another_department_sees_neither_the_triage_inbox_nor_its_inquiries(
    routing_model: RoutingModel, clerk: User, resident: User, settings: Any
) -> None:
    inquiry = waiting(resident, settings)
    client = staff(clerk)
    assert inquiry.reference_number not in client.get(reverse("intelligence:staff-triage")).content.decode()
    assert page(client, inquiry).status_code == 404


def test_residents_and_visitors_get_no_staff_inquiry_page(
    routing_model: RoutingModel, resident_client: Client, resident: User, settings: Any
) -> None:
    inquiry = routed(resident, settings)
    assert resident_client.get(reverse("intelligence:staff-inquiry-list")).status_code == 404
    assert page(resident_client, inquiry).status_code == 404
    assert Client().get(reverse("intelligence:staff-triage")).status_code in (302, 404)


def test_the_page_shows_the_top_three_the_telling_words_and_the_nearest_learned_questions(
    routing_model: RoutingModel, clerk: User, resident: User, settings: Any
) -> None:
    inquiry = routed(resident, settings)
    html = page(staff(clerk), inquiry).content.decode()
    assert "推定の根拠" in html
    assert html.count("<meter") == 3 and "清掃リサイクル課" in html
    shown = [term for term in inquiry.explanation if not set(term) & set("、。 ")]
    assert shown and all(term in html for term in shown)
    assert "よく似た学習例" in html and '<ol class="near-examples">' in html


def test_the_department_queue_lists_its_open_inquiries_and_the_page_is_in_english_too(
    routing_model: RoutingModel, clerk: User, resident: User, settings: Any
) -> None:
    inquiry = routed(resident, settings)
    client = staff(clerk)
    html = client.get(reverse("intelligence:staff-inquiry-list")).content.decode()
    assert inquiry.reference_number in html and "回答待ち" in html
    client.cookies["django_language"] = "en"
    english = page(client, inquiry).content.decode()
    assert "Why the router suggested this department" in english


def test_a_reply_reaches_the_resident_through_a_notice_and_on_their_inquiry_page(
    routing_model: RoutingModel, clerk: User, resident: User, resident_client: Client, settings: Any
) -> None:
    # given
    inquiry = routed(resident, settings)
    # when
    response = staff(clerk).post(
        reverse("intelligence:staff-inquiry-reply", args=[inquiry.public_id]), {"answer": "月曜日の朝に出してください"}
    )
    # then
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ANSWERED and inquiry.answered_at is not None
    assert Message.objects.filter(recipient=resident, template_code="inquiry.answered").exists()
    assert AuditEntry.objects.filter(action="inquiry.answer", object_id=str(inquiry.public_id)).exists()
    mine = resident_client.get(reverse("intelligence:inquiry-detail", args=[inquiry.public_id])).content.decode()
    assert "月曜日の朝に出してください" in mine


def test_an_empty_reply_is_refused_with_a_message(
    routing_model: RoutingModel, clerk: User, resident: User, settings: Any
) -> None:
    inquiry = routed(resident, settings)
    response = staff(clerk).post(reverse("intelligence:staff-inquiry-reply", args=[inquiry.public_id]), {"answer": " "})
    assert response.status_code == 400 and "回答を入力してください" in response.content.decode()
    assert Inquiry.objects.get().status == Inquiry.Status.ROUTED


def test_routing_from_triage_is_recorded_as_a_correction_for_training(
    routing_model: RoutingModel, triage_clerk: User, resident: User, settings: Any
) -> None:
    # given
    inquiry = waiting(resident, settings)
    gikai = Department.objects.get(code="gikai")
    client = staff(triage_clerk)
    url = reverse("intelligence:staff-inquiry-reroute", args=[inquiry.public_id])
    # when a reason is missing, nothing moves
    assert client.post(url, {"department": gikai.pk, "reason": ""}).status_code == 400
    # when it is given
    response = client.post(url, {"department": gikai.pk, "reason": "議会の広報誌の件"})
    # then
    assert response.status_code == 302
    correction = RoutingCorrection.objects.get()
    assert correction.to_department == gikai and correction.from_department is None
    examples, corrections = actions.training_examples()
    assert corrections == 1 and examples[-1].department == "gikai"
    assert Event.objects.filter(type__endswith="inquiry.rerouted").count() == 1


def test_an_inquiry_becomes_a_case_linked_both_ways(
    routing_model: RoutingModel, clerk: User, resident: User, resident_client: Client, settings: Any
) -> None:
    # given an inquiry with 清掃リサイクル課
    inquiry = routed(resident, settings)
    procedure = Procedure.objects.get(code="sodai-gomi")
    client = staff(clerk)
    # when the clerk turns it into a case of 粗大ごみ
    response = client.post(
        reverse("intelligence:staff-inquiry-case", args=[inquiry.public_id]), {"procedure": procedure.pk}
    )
    # then an application is filed for the resident and its case opened, each leading to the other
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case-detail", args=[case.public_id])
    assert case.application.applicant == resident and case.application.channel == "inquiry"
    assert case.application.status == Application.Status.SUBMITTED and case.department.code == "seiso"
    inquiry.refresh_from_db()
    assert inquiry.case == case
    assert inquiry.reference_number in client.get(response["Location"]).content.decode()
    assert reverse("cases:case-detail", args=[case.public_id]) in page(client, inquiry).content.decode()
    assert AuditEntry.objects.filter(action="inquiry.open_case").exists()
    mine = resident_client.get(reverse("intelligence:inquiry-detail", args=[inquiry.public_id])).content.decode()
    assert str(case.application.receipt_number) in mine
    # and a second time is refused
    with pytest.raises(actions.CaseAlreadyOpened):
        actions.open_case_from_inquiry(inquiry=inquiry, procedure=procedure, by=clerk)


def test_a_case_needs_a_procedure_of_the_inquirys_department(
    routing_model: RoutingModel, clerk: User, resident: User, settings: Any
) -> None:
    inquiry = routed(resident, settings)
    other = Procedure.objects.exclude(department__code="seiso").filter(current_version__isnull=False).first()
    assert other is not None
    response = staff(clerk).post(
        reverse("intelligence:staff-inquiry-case", args=[inquiry.public_id]), {"procedure": other.pk}
    )
    assert response.status_code == 400 and not Case.objects.exists()
    with pytest.raises(actions.InquiryRejected):
        actions.open_case_from_inquiry(inquiry=inquiry, procedure=other, by=clerk)


def test_an_auditor_sees_the_inquiry_but_gets_no_actions_and_cannot_act(
    routing_model: RoutingModel, make_clerk: Callable[..., User], resident: User, settings: Any
) -> None:
    inquiry = routed(resident, settings)
    auditor = make_clerk("", username="auditor", roles=[Role.AUDITOR])
    client = staff(auditor)
    html = page(client, inquiry).content.decode()
    assert "回答を送る" not in html
    response = client.post(reverse("intelligence:staff-inquiry-reply", args=[inquiry.public_id]), {"answer": "x"})
    assert response.status_code == 403 and Inquiry.objects.get().status == Inquiry.Status.ROUTED


def test_the_queue_costs_the_same_queries_for_three_inquiries_as_for_thirty(
    routing_model: RoutingModel, clerk: User, resident: User, settings: Any
) -> None:
    client = staff(clerk)
    for _ in range(3):
        routed(resident, settings)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("intelligence:staff-inquiry-list"))
    for _ in range(27):
        routed(resident, settings)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("intelligence:staff-inquiry-list"))
    assert len(many) == len(few)
