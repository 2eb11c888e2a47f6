# SPDX-License-Identifier: MPL-2.0
"""Catalogue date rules (`x-date-rule`) as the form engine enforces and shows them."""

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import bind, field_specs, validate
from civicloop.catalog.loader import read_catalog
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.calendar import is_business_day

FRIDAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def definitions() -> dict[str, Definition]:
    return {d["code"]: Definition(d) for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions}


def _sodai(preferred: str) -> dict[str, Any]:
    answers = copy.deepcopy(VALID_SODAI_GOMI)
    answers["collection"]["preferred_date"] = preferred
    return answers


def _date_error(definition: Definition, answers: dict[str, Any], *, today: date, english: bool = False) -> str:
    with translation.override("en" if english else "ja"):
        return validate(definition.schema, answers, today=today, english=english).get("collection.preferred_date", "")


@pytest.mark.parametrize(
    "preferred",
    ["2020-01-01", "2026-12-04", "2026-12-10", "2026-12-12", "2026-12-13"],
    ids=["long past", "today", "six days ahead", "a Saturday", "a Sunday"],
)
def test_bulky_waste_refuses_a_date_sooner_than_seven_days_or_on_a_weekend(
    definitions: dict[str, Definition], preferred: str
) -> None:
    message = _date_error(definitions["sodai-gomi"], _sodai(preferred), today=FRIDAY)
    assert (
        message
        == "収集について（希望収集日）は2026年12月11日以降の平日を選んでください（土日祝日と12月29日〜1月3日を除く）"
    )


def test_bulky_waste_accepts_a_working_day_seven_days_ahead_and_later(definitions: dict[str, Definition]) -> None:
    for preferred in ("2026-12-11", "2026-12-14", "2027-03-01"):
        assert _date_error(definitions["sodai-gomi"], _sodai(preferred), today=FRIDAY) == ""


def test_the_date_rule_message_is_in_english_too(definitions: dict[str, Definition]) -> None:
    message = _date_error(definitions["sodai-gomi"], _sodai("2026-12-12"), today=FRIDAY, english=True)
    assert message == (
        "Collection (Preferred collection date) must be a working day on or after 11 December 2026"
        " (not a weekend, a public holiday or 29 December to 3 January)"
    )


def test_business_days_skip_national_holidays_and_the_year_end_closure(definitions: dict[str, Definition]) -> None:
    sodai, today = definitions["sodai-gomi"], date(2026, 12, 18)
    # 12/25 is the 7th day; 12/29–1/3 are closed; 2027-01-11 is 成人の日.
    assert _date_error(sodai, _sodai("2026-12-25"), today=today) == ""
    assert "2026年12月25日以降" in _date_error(sodai, _sodai("2026-12-30"), today=today)
    assert _date_error(sodai, _sodai("2027-01-04"), today=today) == ""
    assert _date_error(sodai, _sodai("2027-01-11"), today=today) != ""


@hsettings(max_examples=200, deadline=None)
@given(today=st.dates(date(2025, 1, 1), date(2028, 12, 31)), ahead=st.integers(-30, 60))
def test_a_bulky_waste_date_is_valid_exactly_when_it_is_a_working_day_at_least_seven_days_ahead(
    definitions: dict[str, Definition], today: date, ahead: int
) -> None:
    day = today + timedelta(days=ahead)
    expected_valid = day >= today + timedelta(days=7) and is_business_day(day)
    assert (_date_error(definitions["sodai-gomi"], _sodai(day.isoformat()), today=today) == "") is expected_valid


def test_a_birth_date_cannot_be_in_the_future(definitions: dict[str, Definition]) -> None:
    schema = definitions["jido-teate"].schema
    with translation.override("ja"):
        tomorrow = validate(schema, {"claimant_birthdate": "2026-12-05"}, today=FRIDAY)
        today = validate(schema, {"claimant_birthdate": "2026-12-04"}, today=FRIDAY)
    assert tomorrow["claimant_birthdate"] == "生年月日は2026年12月4日以前の日付を選んでください"
    assert "claimant_birthdate" not in today


def test_a_moving_out_date_may_be_at_most_fourteen_days_ahead(definitions: dict[str, Definition]) -> None:
    schema = definitions["tenshutsu"].schema
    with translation.override("ja"):
        too_soon = validate(schema, {"moving_on": "2026-12-19"}, today=FRIDAY)
        in_time = validate(schema, {"moving_on": "2026-12-18"}, today=FRIDAY)
    assert too_soon["moving_on"] == "転出予定日（転出日）は2026年12月18日以前の日付を選んでください"
    assert "moving_on" not in in_time


def test_date_rules_can_be_limited_to_the_fields_a_correction_asks_for(definitions: dict[str, Definition]) -> None:
    # a collection day chosen before submission is not judged against today when a 補正 names other fields
    stale = _sodai("2026-12-11")
    schema = definitions["sodai-gomi"].schema
    later = date(2026, 12, 20)
    assert "collection.preferred_date" in validate(schema, stale, today=later)
    assert validate(schema, stale, today=later, date_rules_on={"applicant", "contact"}) == {}
    assert "collection.preferred_date" in validate(schema, stale, today=later, date_rules_on={"collection"})


def test_the_date_input_carries_min_and_the_rule_as_a_hint(definitions: dict[str, Definition]) -> None:
    schema = definitions["sodai-gomi"].schema
    (collection,) = field_specs(schema, ["collection"])
    with translation.override("ja"):
        bound = bind(collection, {}, {}, english=False, today=FRIDAY)
    preferred = next(child for child in bound.children if child.name == "collection.preferred_date")
    assert preferred.attrs["min"] == "2026-12-11"
    assert "max" not in preferred.attrs
    assert preferred.rule_hint == "2026年12月11日以降の平日を選んでください（土日祝日と12月29日〜1月3日を除く）"


def test_a_past_only_date_input_carries_max_without_a_hint_that_states_the_obvious(
    definitions: dict[str, Definition],
) -> None:
    (death_date,) = field_specs(definitions["shibo"].schema, ["death_date"])
    bound = bind(death_date, None, {}, english=True, today=FRIDAY)
    assert bound.attrs == {"max": "2026-12-04"}
    assert bound.rule_hint == ""
    (moving_on,) = field_specs(definitions["tenshutsu"].schema, ["moving_on"])
    with translation.override("en"):
        hint = bind(moving_on, None, {}, english=True, today=FRIDAY).rule_hint
    assert hint == "Choose a date on or before 18 December 2026"
