# SPDX-License-Identifier: MPL-2.0
"""Answers filled in from the sign-in (`x-prefill`), and how they stay marked."""

from datetime import date

import pytest
from django.conf import settings

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.catalog.loader import read_catalog
from civicloop.catalog.prefill import Identity, prefill, sourced_paths, split_address

HANAKO = Identity(
    full_name="渋谷 花子",
    full_name_kana="しぶや　はなこ",
    address="東京都渋谷区宇田川町1-1 シブヤハイツ101",
    birthdate=date(1988, 4, 12),
    email="hanako@example.jp",
)


@pytest.fixture(scope="module")
def definitions() -> dict[str, Definition]:
    return {d["code"]: Definition(d) for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions}


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        (
            "東京都渋谷区宇田川町1-1 シブヤハイツ101",
            {
                "prefecture": "東京都",
                "city": "渋谷区",
                "town": "宇田川町",
                "block": "1-1",
                "building": "シブヤハイツ101",
            },
        ),
        (
            "〒150-0041 東京都渋谷区神南２－３－４",
            {"postal_code": "150-0041", "prefecture": "東京都", "city": "渋谷区", "town": "神南", "block": "2-3-4"},
        ),
        ("神奈川県横浜市中区本町1-2", {"prefecture": "神奈川県", "city": "横浜市中区", "town": "本町", "block": "1-2"}),
        (
            "東京都西多摩郡瑞穂町箱根ケ崎2335",
            {"prefecture": "東京都", "city": "西多摩郡瑞穂町", "town": "箱根ケ崎", "block": "2335"},
        ),
        ("三重県四日市市諏訪町1-5", {"prefecture": "三重県", "city": "四日市市", "town": "諏訪町", "block": "1-5"}),
        (
            "奈良県大和郡山市北郡山町248-4",
            {"prefecture": "奈良県", "city": "大和郡山市", "town": "北郡山町", "block": "248-4"},
        ),
        ("123 Main Street, Springfield", {}),
    ],
)
def test_a_written_address_is_split_into_its_parts_or_left_alone(written: str, parts: dict[str, str]) -> None:
    assert split_address(written) == parts


def test_a_new_bulky_waste_form_gets_name_kana_address_and_email_from_the_sign_in(
    definitions: dict[str, Definition],
) -> None:
    answers = prefill(definitions["sodai-gomi"].schema, {}, HANAKO)
    assert answers == {
        "applicant": {"family": "渋谷", "given": "花子", "family_kana": "シブヤ", "given_kana": "ハナコ"},
        "contact": {"email": "hanako@example.jp"},
        "collection": {
            "address": {
                "prefecture": "東京都",
                "city": "渋谷区",
                "town": "宇田川町",
                "block": "1-1",
                "building": "シブヤハイツ101",
            }
        },
    }
    # what was filled in is valid as it stands; the resident adds the rest
    errors = validate(definitions["sodai-gomi"].schema, answers)
    assert not [path for path in errors if path.startswith(("applicant.", "contact.email", "collection.address.t"))]


def test_a_birthdate_is_filled_into_the_claimants_date_of_birth(definitions: dict[str, Definition]) -> None:
    answers = prefill(definitions["jido-teate"].schema, {}, HANAKO)
    assert answers["claimant_birthdate"] == "1988-04-12"
    assert answers["claimant_address"]["city"] == "渋谷区"


def test_only_empty_answers_are_filled(definitions: dict[str, Definition]) -> None:
    typed = {"applicant": {"family": "𠮷田"}, "contact": {"phone": "03-1234-5678", "email": "mine@example.jp"}}
    answers = prefill(definitions["sodai-gomi"].schema, typed, HANAKO)
    assert answers["applicant"]["family"] == "𠮷田"
    assert answers["applicant"]["given"] == "花子"
    assert answers["contact"] == {"phone": "03-1234-5678", "email": "mine@example.jp"}
    assert typed == {"applicant": {"family": "𠮷田"}, "contact": {"phone": "03-1234-5678", "email": "mine@example.jp"}}


def test_a_changed_answer_is_no_longer_marked_as_from_the_sign_in(definitions: dict[str, Definition]) -> None:
    schema = definitions["sodai-gomi"].schema
    answers = prefill(schema, {}, HANAKO)
    answers["applicant"] = {**answers["applicant"], "family": "渋谷区民"}
    answers["contact"] = {"email": "other@example.jp"}
    sourced = sourced_paths(schema, answers, HANAKO)
    assert "applicant.family" not in sourced.leaves
    assert "applicant.given" in sourced.leaves
    assert "contact.email" not in sourced.leaves
    assert sourced.roots == {"applicant", "collection.address"}


def test_nothing_is_marked_for_a_guest(definitions: dict[str, Definition]) -> None:
    schema = definitions["sodai-gomi"].schema
    assert sourced_paths(schema, prefill(schema, {}, HANAKO), None).leaves == frozenset()


def test_a_name_without_a_space_is_not_guessed_at(definitions: dict[str, Definition]) -> None:
    answers = prefill(
        definitions["sodai-gomi"].schema, {}, Identity(full_name="渋谷花子", full_name_kana="シブヤ ハナコ")
    )
    assert answers["applicant"] == {"family_kana": "シブヤ", "given_kana": "ハナコ"}
