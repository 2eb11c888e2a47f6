# SPDX-License-Identifier: MPL-2.0
"""ワンスオンリー: after a 転入届 the resident is offered what follows, prefilled, to confirm (issue 16)."""

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {"postal_code": "150-0042", "prefecture": "東京都", "city": "渋谷区", "town": "宇田川町", "block": "2-3"}
OLD_ADDRESS = {"postal_code": "154-0001", "prefecture": "東京都", "city": "世田谷区", "town": "池尻", "block": "1-1"}
HANAKO = {"family": "渋谷", "given": "花子", "family_kana": "シブヤ", "given_kana": "ハナコ"}
VALID_TENNYU: dict[str, Any] = {
    "applicant_relation": "self",
    "contact": {"phone": "090-1234-5678"},
    "transfer_basis": "mynumber_card",
    "old_address": OLD_ADDRESS,
    "new_address": NEW_ADDRESS,
    "household": "new",
    "household_head": HANAKO,
    "movers": [{"name": HANAKO, "birthdate": "1988-04-12", "gender": "female", "relationship": "世帯主"}],
}


@pytest.fixture
def hanako(make_resident: Callable[..., User]) -> User:
    # The sign-in still carries the previous address: the new one comes from the 転入届, not from it.
    user = make_resident(full_name_kana="シブヤ ハナコ", address="東京都世田谷区池尻1-1")
    user.full_name, user.birthdate = "渋谷 花子", date(1988, 4, 12)
    user.save(update_fields=["full_name", "birthdate"])
    return user


@pytest.fixture
def tennyu(hanako: User, catalog: None) -> Application:
    answers = {**copy.deepcopy(VALID_TENNYU), "moved_in_on": timezone.localdate().isoformat()}
    application, _created = actions.submit_from_api(
        user=hanako, procedure=Procedure.objects.get(code="tennyu"), answers=answers, idempotency_key="tennyu-1"
    )
    return application


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _start(client: Client, tennyu: Application, *codes: str) -> Any:
    return client.post(reverse("applications:follow-up-list", args=[tennyu.public_id]), {"procedure": list(codes)})


def test_the_receipt_of_a_moving_in_offers_what_follows_with_the_reasons(hanako: User, tennyu: Application) -> None:
    page = _signed_in(hanako).get(reverse("applications:receipt-detail", args=[tennyu.public_id])).content.decode()
    assert "あわせて必要な手続き（引越し）" in page
    assert "国民健康保険" in page and "児童手当" in page and "犬の登録" in page
    assert "転入日から14日以内に国民健康保険の加入の届出が必要です" in page
    assert "項目を入力済みにします" in page


def test_starting_the_bundle_opens_drafts_filled_from_the_moving_in_and_the_sign_in(
    hanako: User, tennyu: Application
) -> None:
    # when the resident prepares 国民健康保険 and 児童手当
    response = _start(_signed_in(hanako), tennyu, "kokuho-ido", "jido-teate")
    # then two drafts follow the 転入届
    assert response["Location"] == reverse("applications:follow-up-list", args=[tennyu.public_id])
    drafts = {a.procedure_version.procedure.code: a for a in tennyu.followers.all()}
    assert set(drafts) == {"kokuho-ido", "jido-teate"}
    kokuho = drafts["kokuho-ido"].answers
    # the new address from the 転入届, not the old one the sign-in still holds
    assert kokuho["householder_address"] == NEW_ADDRESS
    assert kokuho["change_kind"] == "join" and kokuho["join_reason"] == "moved_in"
    assert kokuho["insured"] == VALID_TENNYU["movers"]
    # and the claimant of 児童手当 from the sign-in (its own x-prefill), living at the new address
    jido = drafts["jido-teate"].answers
    assert jido["claimant"] == HANAKO
    assert jido["claimant_birthdate"] == "1988-04-12"
    assert jido["claimant_address"] == NEW_ADDRESS
    assert all(d.is_draft and d.applicant == hanako for d in drafts.values())


def test_each_prepared_draft_records_how_many_answers_it_was_given(hanako: User, tennyu: Application) -> None:
    _start(_signed_in(hanako), tennyu, "kokuho-ido")
    event = Event.objects.get(type__endswith="application.prefilled")
    assert event.data["life_event"] == "moving"
    assert event.data["follows"] == "tennyu"
    # 2 fixed choices + 世帯主 4 + 住所 5 + 電話 1 + 資格取得日 1 + one mover 4+1+1+1
    assert event.data["from_answers"] == 20
    assert event.data["fields"] == event.data["from_answers"] + event.data["from_sign_in"]


def test_the_bundle_page_shows_the_prefilled_figure(hanako: User, tennyu: Application) -> None:
    client = _signed_in(hanako)
    _start(client, tennyu, "kokuho-ido", "inu-toroku")
    page = client.get(reverse("applications:follow-up-list", args=[tennyu.public_id])).content.decode()
    total = sum(e.data["fields"] for e in Event.objects.filter(type__endswith="application.prefilled"))
    assert f"{total} 項目を入力済みにしました" in page
    assert "ほかに必要かもしれない手続き" in page  # the rest are still offered


def test_pressing_twice_prepares_each_procedure_once(hanako: User, tennyu: Application) -> None:
    client = _signed_in(hanako)
    _start(client, tennyu, "kokuho-ido")
    _start(client, tennyu, "kokuho-ido", "jido-teate")
    assert sorted(tennyu.followers.values_list("procedure_version__procedure__code", flat=True)) == [
        "jido-teate",
        "kokuho-ido",
    ]


def test_a_procedure_not_declared_for_the_life_event_is_not_started(hanako: User, tennyu: Application) -> None:
    _start(_signed_in(hanako), tennyu, "juminhyo", "seikatsu-hogo")
    assert not tennyu.followers.exists()


def test_another_resident_can_neither_see_nor_start_the_bundle(tennyu: Application, other_resident: User) -> None:
    client = _signed_in(other_resident)
    assert client.get(reverse("applications:follow-up-list", args=[tennyu.public_id])).status_code == 404
    assert _start(client, tennyu, "kokuho-ido").status_code == 404
    assert not tennyu.followers.exists()


def test_a_procedure_without_follow_ups_has_no_bundle(hanako: User, sodai_gomi: Procedure) -> None:
    from civicloop.conftest import VALID_SODAI_GOMI

    application, _created = actions.submit_from_api(
        user=hanako, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="gomi-1"
    )
    client = _signed_in(hanako)
    assert (
        "あわせて必要な手続き"
        not in client.get(reverse("applications:receipt-detail", args=[application.public_id])).content.decode()
    )
    assert client.get(reverse("applications:follow-up-list", args=[application.public_id])).status_code == 404
    with pytest.raises(actions.NoFollowUps):
        actions.start_follow_ups(trigger=application, codes=["kokuho-ido"], user=hanako)


def test_the_form_marks_what_came_from_the_moving_in_until_it_is_changed(hanako: User, tennyu: Application) -> None:
    # given a prepared 国民健康保険 draft
    client = _signed_in(hanako)
    _start(client, tennyu, "kokuho-ido")
    draft = tennyu.followers.get()
    url = reverse("applications:step-edit", args=[draft.public_id, "householder"])
    # then its step says the address came from the 転入届, in an input the resident can change
    page = client.get(url).content.decode()
    assert "転入届のお答えから入力しました" in page
    assert 'value="宇田川町"' in page
    # when the resident changes the address
    changed = {**NEW_ADDRESS, "town": "神南"}
    actions.save_step(
        application=draft, step_id="householder", answers={**draft.answers, "householder_address": changed}
    )
    draft.refresh_from_db()
    # then the check page no longer says the changed input came from the 転入届
    check = client.get(reverse("applications:application-check", args=[draft.public_id])).content.decode()
    town_row = check.split("神南", 1)[1].split("</dd>", 1)[0]
    assert "転入届のお答えから入力しました" not in town_row


def test_the_bundle_reads_in_english_too(hanako: User, tennyu: Application, settings: Any) -> None:
    client = _signed_in(hanako)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    receipt = client.get(reverse("applications:receipt-detail", args=[tennyu.public_id])).content.decode()
    assert "Procedures that follow: Moving house" in receipt
    assert "join National Health Insurance within 14 days of moving in" in receipt
    assert "answers will be filled in for you" in receipt
    _start(client, tennyu, "kokuho-ido")
    draft = tennyu.followers.get()
    step = client.get(reverse("applications:step-edit", args=[draft.public_id, "householder"])).content.decode()
    assert "Filled in from your Moving-in notification" in step


def test_the_application_page_leads_back_to_the_bundle(hanako: User, tennyu: Application) -> None:
    page = _signed_in(hanako).get(reverse("applications:application-detail", args=[tennyu.public_id])).content.decode()
    assert reverse("applications:follow-up-list", args=[tennyu.public_id]) in page
