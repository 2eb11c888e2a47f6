# SPDX-License-Identifier: MPL-2.0
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.intelligence import actions, routing
from civicloop.intelligence.models import Inquiry, RoutingCorrection, RoutingModel

pytestmark = pytest.mark.django_db

BULKY = "引っ越しでソファと本棚を捨てたいのですが、大きいごみはどうやって出せばいいですか"


def test_a_portal_inquiry_is_routed_to_the_department_above_the_threshold(
    client: Client, routing_model: RoutingModel, settings: Any
) -> None:
    settings.ROUTING_THRESHOLD = 0.3
    response = client.post(reverse("intelligence:inquiry-create"), {"text": BULKY})
    inquiry = Inquiry.objects.get()
    assert response["Location"] == reverse("intelligence:inquiry-detail", args=[inquiry.public_id])
    assert inquiry.status == Inquiry.Status.ROUTED
    assert inquiry.department is not None and inquiry.department.code == "seiso"
    assert inquiry.explanation, "each suggestion says why"
    page = client.get(response["Location"]).content.decode()
    assert inquiry.reference_number in page and "清掃リサイクル課" in page


def test_below_the_threshold_an_inquiry_waits_in_triage(
    client: Client, routing_model: RoutingModel, settings: Any
) -> None:
    settings.ROUTING_THRESHOLD = 1.0
    client.post(reverse("intelligence:inquiry-create"), {"text": BULKY})
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.TRIAGE
    assert inquiry.department is None
    assert inquiry.suggested_department is not None and inquiry.suggested_department.code == "seiso"


def test_the_switch_turns_suggestions_off(client: Client, routing_model: RoutingModel, settings: Any) -> None:
    settings.ROUTING_SUGGESTIONS_ENABLED = False
    client.post(reverse("intelligence:inquiry-create"), {"text": BULKY})
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.TRIAGE and inquiry.suggested_department is None and inquiry.top3 == []


def test_an_empty_or_oversized_inquiry_gets_a_clear_error_and_nothing_is_stored(
    client: Client, routing_model: RoutingModel
) -> None:
    empty = client.post(reverse("intelligence:inquiry-create"), {"text": "   "})
    huge = client.post(reverse("intelligence:inquiry-create"), {"text": "あ" * 4001})
    assert empty.status_code == huge.status_code == 400
    assert "<title>エラー：" in empty.content.decode()
    assert not Inquiry.objects.exists()


def test_a_disguised_attachment_is_refused(client: Client, routing_model: RoutingModel) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image")
    response = client.post(reverse("intelligence:inquiry-create"), {"text": BULKY, "attachment": fake})
    assert response.status_code == 400
    assert not Inquiry.objects.exists()


def test_a_guest_follows_their_own_inquiry_and_nobody_else_can(client: Client, routing_model: RoutingModel) -> None:
    response = client.post(reverse("intelligence:inquiry-create"), {"text": BULKY})
    assert client.get(response["Location"]).status_code == 200
    assert Client().get(response["Location"]).status_code == 404


def test_the_api_routes_an_inquiry_and_suggests(
    resident_client: Client, routing_model: RoutingModel, settings: Any
) -> None:
    settings.ROUTING_THRESHOLD = 0.3
    created = resident_client.post("/api/inquiries", json.dumps({"text": BULKY}), content_type="application/json")
    assert created.status_code == 201
    assert created.json()["department"] == "seiso"
    suggestion = resident_client.post(
        "/api/routing/suggest", json.dumps({"text": "児童手当の振込日を知りたい"}), content_type="application/json"
    )
    assert suggestion.json()["department"] == "kosodate_kyufu"
    assert suggestion.json()["model_version"] == 1


def test_a_correction_changes_the_next_models_answer(routing_model: RoutingModel, clerk: User) -> None:
    # given an odd inquiry the model sends somewhere other than the council secretariat
    text = "ぴよぴよ通信のもふもふ件について問い合わせます"
    inquiry = actions.submit_inquiry(text=text)
    first = routing.suggest([text])
    assert first is not None and first[0].department != "gikai"
    # when a person re-routes it, with a reason, and the model is retrained
    gikai = Department.objects.get(code="gikai")
    clerk.departments.add(Department.objects.get(code=inquiry.department_code))  # whoever has it now moves it
    actions.reroute_inquiry(inquiry=inquiry, to_department=gikai, by=clerk, reason="議会の広報誌の件でした")
    assert RoutingCorrection.objects.get().reason == "議会の広報誌の件でした"
    model = actions.train_routing_model(evaluate=False)
    # then the new version routes the same words to the corrected department
    assert model.version == 2 and model.corrections_used == 1
    again = routing.suggest([text])
    assert again is not None and again[0].department == "gikai" and again[0].model.version == 2


def test_rerouting_needs_a_reason(routing_model: RoutingModel, clerk: User) -> None:
    inquiry = actions.submit_inquiry(text=BULKY)
    with pytest.raises(actions.InquiryRejected):
        actions.reroute_inquiry(
            inquiry=inquiry, to_department=Department.objects.get(code="gikai"), by=clerk, reason=" "
        )


def test_only_the_department_an_inquiry_is_with_moves_or_answers_it(
    routing_model: RoutingModel, clerk: User, settings: Any
) -> None:
    # given an inquiry waiting for triage, which 総務課 does, and a clerk of 清掃リサイクル課
    settings.ROUTING_THRESHOLD = 1.0
    inquiry = actions.submit_inquiry(text=BULKY)
    gikai = Department.objects.get(code="gikai")
    # when the clerk tries to move or answer it, they are refused and nothing changes
    with pytest.raises(actions.NotAuthorised):
        actions.reroute_inquiry(inquiry=inquiry, to_department=gikai, by=clerk, reason="議会の件")
    with pytest.raises(actions.NotAuthorised):
        actions.answer_inquiry(inquiry=inquiry, answer="回答", by=clerk)
    assert not RoutingCorrection.objects.exists() and Inquiry.objects.get().status == Inquiry.Status.TRIAGE
    # then a member of 総務課 routes it, and from then on only 議会事務局 answers it
    triage = User.objects.create(username="triage", kind=User.Kind.STAFF)
    triage.departments.add(Department.objects.get(code="somu"))
    actions.reroute_inquiry(inquiry=inquiry, to_department=gikai, by=triage, reason="議会の件")
    with pytest.raises(actions.NotAuthorised):
        actions.answer_inquiry(inquiry=inquiry, answer="回答", by=triage)


def test_a_resident_lists_only_their_own_inquiries(
    resident_client: Client, resident: User, other_resident: User, routing_model: RoutingModel
) -> None:
    mine = actions.submit_inquiry(text=BULKY, resident=resident)
    theirs = actions.submit_inquiry(text=BULKY, resident=other_resident)
    html = resident_client.get(reverse("intelligence:inquiry-list")).content.decode()
    assert mine.reference_number in html and theirs.reference_number not in html
