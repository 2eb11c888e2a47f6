# SPDX-License-Identifier: MPL-2.0
"""Error messages built from question labels read as sentences in both languages (issue 11).

"Select Who is applying?" and 「申請するのはどなたですかを選択してください」 came from putting a
question where a noun belongs. Every procedure's empty-form errors are checked here.
"""

import re

import pytest
from django.conf import settings
from django.utils import translation

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.catalog.loader import read_catalog

# Nested brackets: （…（…）…） or 「…「…」…」 or a 『』 around 「」.
NESTED = re.compile(r"（[^）]*（|「[^」]*「|『[^』]*「")


@pytest.fixture(scope="module")
def definitions() -> list[Definition]:
    return [Definition(d) for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions]


def empty_form_errors(definitions: list[Definition], language: str) -> list[str]:
    with translation.override(language):
        return [m for d in definitions for m in validate(d.schema, {}, english=language == "en").values()]


def test_a_question_is_never_used_as_the_object_of_select_or_enter(definitions: list[Definition]) -> None:
    english = empty_form_errors(definitions, "en")
    japanese = empty_form_errors(definitions, "ja")
    assert not [m for m in english if re.match(r"(Select|Enter) [A-Z][^“]*\?$", m)]
    assert not [m for m in japanese if re.search(r"か？?(（[^）]*）)?(を選択|を入力)してください$", m)]


def test_a_question_is_answered_in_words_that_read_naturally(definitions: list[Definition]) -> None:
    sodai = next(d for d in definitions if d.data["code"] == "jido-fuyo-teate")
    with translation.override("en"):
        english = validate(sodai.schema, {}, english=True)
    with translation.override("ja"):
        japanese = validate(sodai.schema, {})
    questions = [k for k, m in english.items() if m.startswith("Select an answer to “")]
    assert questions, english
    assert all(english[k].endswith("?”") for k in questions)
    assert all(japanese[k].endswith("。答えを選んでください") for k in questions)


def test_english_names_a_field_in_lower_case_inside_a_sentence(definitions: list[Definition]) -> None:
    sodai = next(d for d in definitions if d.data["code"] == "sodai-gomi")
    with translation.override("en"):
        errors = validate(sodai.schema, {}, english=True)
    assert errors["items"] == "Select items to collect"


def test_no_error_message_nests_brackets_or_uses_a_half_width_colon_in_japanese(
    definitions: list[Definition],
) -> None:
    japanese = empty_form_errors(definitions, "ja")
    assert not [m for m in japanese if NESTED.search(m)]
    assert not [m for m in japanese if re.search(r"[^\x00-\x7f]: ", m)]
