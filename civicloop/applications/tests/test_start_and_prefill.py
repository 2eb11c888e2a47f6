# SPDX-License-Identifier: MPL-2.0
"""Starting after sign-in goes straight into the form, which the sign-in has partly filled in."""

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure

pytestmark = pytest.mark.django_db

FROM_SIGN_IN = "デジタル認証アプリから入力しました"


@pytest.fixture
def hanako(make_resident: Callable[..., User]) -> User:
    user = make_resident(full_name_kana="シブヤ ハナコ", address="東京都渋谷区宇田川町1-1 シブヤハイツ101")
    user.full_name, user.birthdate = "渋谷 花子", date(1988, 4, 12)
    user.save(update_fields=["full_name", "birthdate"])
    return user


def test_sign_in_and_start_returns_to_a_started_form_not_to_the_procedure_page(
    client: Client, hanako: User, sodai_gomi: Procedure
) -> None:
    # given a visitor who presses 「サインインして始める」
    start_url = reverse("applications:application-start", args=["sodai-gomi"])
    response = client.post(start_url)
    assert response["Location"] == f"{reverse('accounts:login')}?next={start_url}"
    assert not Application.objects.exists()
    # when the sign-in brings them back to the `next` address
    client.force_login(hanako)
    response = client.get(start_url)
    # then a draft was started and they are on its first step
    application = Application.objects.get()
    assert application.applicant == hanako
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:step-edit", args=[application.public_id, "applicant"])


def test_the_start_after_sign_in_happens_once(client: Client, hanako: User, sodai_gomi: Procedure) -> None:
    start_url = reverse("applications:application-start", args=["sodai-gomi"])
    client.post(start_url)
    client.force_login(hanako)
    client.get(start_url)
    again = client.get(start_url)
    assert again["Location"] == reverse("catalog:procedure-detail", args=["sodai-gomi"])
    assert Application.objects.count() == 1


def test_a_start_link_alone_opens_no_draft(resident_client: Client, sodai_gomi: Procedure) -> None:
    # a GET from a link on another site carries no intent: it only shows the procedure
    response = resident_client.get(reverse("applications:application-start", args=["sodai-gomi"]))
    assert response["Location"] == reverse("catalog:procedure-detail", args=["sodai-gomi"])
    assert not Application.objects.exists()


def test_an_intent_for_another_procedure_starts_nothing(client: Client, hanako: User, catalog: None) -> None:
    client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    client.force_login(hanako)
    response = client.get(reverse("applications:application-start", args=["juminhyo"]))
    assert response["Location"] == reverse("catalog:procedure-detail", args=["juminhyo"])
    assert not Application.objects.exists()


def test_a_new_draft_is_filled_in_from_the_sign_in_and_says_so(
    hanako: User, sodai_gomi: Procedure, client: Client
) -> None:
    # given a signed-in resident whose sign-in carried name, reading and address
    client.force_login(hanako)
    # when they start
    client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    application = Application.objects.get()
    # then the matching fields hold those values and each page says where they came from
    assert application.answers["applicant"] == {
        "family": "渋谷",
        "given": "花子",
        "family_kana": "シブヤ",
        "given_kana": "ハナコ",
    }
    assert application.answers["collection"]["address"]["town"] == "宇田川町"
    assert application.answers["contact"] == {"email": hanako.email}
    assert application.last_step == "applicant"
    step = client.get(reverse("applications:step-edit", args=[application.public_id, "applicant"])).content.decode()
    assert 'value="渋谷"' in step
    assert step.count(FROM_SIGN_IN) == 2  # the name group and the e-mail address
    collection = client.get(
        reverse("applications:step-edit", args=[application.public_id, "collection"])
    ).content.decode()
    assert 'value="宇田川町"' in collection
    assert FROM_SIGN_IN in collection


def test_the_check_page_marks_only_answers_still_as_the_sign_in_gave_them(
    hanako: User, sodai_gomi: Procedure, client: Client
) -> None:
    # given a prefilled draft whose family name the resident changed
    client.force_login(hanako)
    client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    application = Application.objects.get()
    client.post(
        reverse("applications:step-edit", args=[application.public_id, "applicant"]),
        {
            "applicant.family": "渋谷川",
            "applicant.given": "花子",
            "applicant.family_kana": "シブヤガワ",
            "applicant.given_kana": "ハナコ",
            "contact.phone": "090-1234-5678",
        },
    )
    # when the check page is shown
    html = client.get(reverse("applications:application-check", args=[application.public_id])).content.decode()
    # then the given name is marked and the changed family name is not
    rows = html.split('<div class="summary__row">')
    given = next(r for r in rows if "花子" in r and "summary__value" in r)
    family = next(r for r in rows if "渋谷川" in r)
    assert FROM_SIGN_IN in given
    assert FROM_SIGN_IN not in family


def test_a_guest_draft_is_not_prefilled(client: Client, catalog: None) -> None:
    guest_procedure = Procedure.objects.filter(current_version__allows_guest=True).first()
    assert guest_procedure is not None
    client.post(reverse("applications:application-start", args=[guest_procedure.code]), {"as_guest": "1"})
    assert Application.objects.get().answers == {}


def test_the_collection_date_input_offers_only_days_from_the_earliest_allowed(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    resident_client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    application = Application.objects.get()
    html = resident_client.get(
        reverse("applications:step-edit", args=[application.public_id, "collection"])
    ).content.decode()
    assert 'type="date"' in html
    assert ' min="20' in html
    assert "以降の平日を選んでください（土日祝日と12月29日〜1月3日を除く）" in html


def test_a_saturday_collection_date_is_refused_on_the_form(resident_client: Client, sodai_gomi: Procedure) -> None:
    resident_client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    application = Application.objects.get()
    response = resident_client.post(
        reverse("applications:step-edit", args=[application.public_id, "collection"]),
        {
            "collection.address.postal_code": "150-0042",
            "collection.address.prefecture": "東京都",
            "collection.address.city": "渋谷区",
            "collection.address.town": "宇田川町",
            "collection.address.block": "1-1",
            "collection.preferred_date": "2020-01-04",
        },
    )
    assert response.status_code == 400
    assert "収集について（希望収集日）は" in response.content.decode()


def test_a_draft_filled_in_on_a_later_step_still_resumes_at_the_first(
    hanako: User, catalog: None, client: Client
) -> None:
    # 死亡届: the notifier (the one signing in) is asked on a later step
    client.force_login(hanako)
    client.post(reverse("applications:application-start", args=["shibo"]))
    application = Application.objects.get()
    assert application.answers["notifier"]["family"] == "渋谷"
    resumed = client.get(reverse("applications:application-detail", args=[application.public_id]))
    assert resumed["Location"] == reverse("applications:step-edit", args=[application.public_id, "deceased"])
