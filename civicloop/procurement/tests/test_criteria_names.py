# SPDX-License-Identifier: MPL-2.0
"""Award criteria carry a Japanese and an English name; pages show the one of the active language."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.procurement import ocds
from civicloop.procurement.forms import TenderForm
from civicloop.procurement.models import Criterion, Tender
from civicloop.procurement.tests.conftest import Cast

BILINGUAL = [
    {"name": "価格", "name_en": "Price", "weight": 40, "is_price": True},
    {"name": "機能", "name_en": "Functionality", "weight": 40},
    {"name": "サポート体制", "name_en": "", "weight": 20},  # no English name: the Japanese one everywhere
]


@pytest.fixture
def bilingual(make_tender: Callable[..., Tender]) -> Tender:
    return make_tender(criteria=BILINGUAL)


def in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_criterion_names_itself_in_the_active_language(bilingual: Tender) -> None:
    functionality = Criterion.objects.get(tender=bilingual, name="機能")
    support = Criterion.objects.get(tender=bilingual, name="サポート体制")
    with translation.override("ja"):
        assert (functionality.display_name, support.display_name) == ("機能", "サポート体制")
    with translation.override("en"):
        assert (functionality.display_name, support.display_name) == ("Functionality", "サポート体制")


@pytest.mark.parametrize(
    ("english", "shown", "hidden"), [(False, "機能", "Functionality"), (True, "Functionality", "機能")]
)
def test_the_staff_and_supplier_tender_pages_name_the_criteria_in_the_visitors_language(
    cast: Cast, bilingual: Tender, english: bool, shown: str, hidden: str
) -> None:
    staff = sign_in_with_mfa(Client(), cast.buyer)
    supplier = sign_in_with_mfa(Client(), cast.alpha_user)
    pages = [
        (in_english(staff) if english else staff).get(
            reverse("procurement:staff-tender-detail", args=[bilingual.public_id])
        ),
        (in_english(supplier) if english else supplier).get(
            reverse("procurement:tender-detail", args=[bilingual.public_id])
        ),
    ]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200
        assert f"{shown}: 40" in text
        assert f"{hidden}: 40" not in text
        assert "サポート体制: 20" in text


def test_the_public_notice_shows_the_award_criteria_in_the_visitors_language(bilingual: Tender) -> None:
    url = reverse("procurement-notices:detail", args=[ocds.ocid_for(bilingual)])
    japanese = Client().get(url).content.decode()
    english = in_english(Client()).get(url).content.decode()
    assert "機能 40" in japanese and "Functionality 40" not in japanese
    assert "Functionality 40" in english and "機能 40" not in english


def _tender_form(criteria: str, cast: Cast) -> TenderForm:
    data: dict[str, Any] = {
        "department": cast.buyer.departments.get().pk,
        "title": "庁内ネットワーク更改",
        "description": "仕様書のとおり",
        "lots": ["software"],
        "minimum_grade": "C",
        "price_approach": "most_advantageous",
        "estimate": "1000000",
        "questions_deadline": "2030-01-10T17:00",
        "bid_deadline": "2030-01-20T17:00",
        "criteria": criteria,
    }
    return TenderForm(data, user=cast.buyer)


def test_the_tender_form_reads_an_english_name_after_a_bar_and_leaves_it_optional(cast: Cast) -> None:
    form = _tender_form("価格 | Price, 40, price\n機能｜Functionality, 40\nサポート体制, 20", cast)
    assert form.is_valid(), form.errors
    assert [(c["name"], c["name_en"], c["is_price"]) for c in form.cleaned_data["criteria"]] == [
        ("価格", "Price", True),
        ("機能", "Functionality", False),
        ("サポート体制", "", False),
    ]


def test_the_tender_form_refuses_a_criterion_with_only_an_english_name(cast: Cast) -> None:
    form = _tender_form("| Price, 100, price", cast)
    assert not form.is_valid()
    assert "criteria" in form.errors


def test_the_forms_first_criteria_are_bilingual() -> None:
    initial = str(TenderForm.base_fields["criteria"].initial)
    assert all("|" in line for line in initial.splitlines())
