# SPDX-License-Identifier: MPL-2.0
"""Phone numbers and e-mail addresses in forms: what is refused, what is tidied."""

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import translation

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import parse_post, validate
from civicloop.catalog.loader import read_catalog


@pytest.fixture(scope="module")
def sodai() -> Definition:
    return next(
        Definition(d) for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions if d["code"] == "sodai-gomi"
    )


def _contact_errors(sodai: Definition, contact: dict[str, str], *, english: bool = False) -> dict[str, str]:
    with translation.override("en" if english else "ja"):
        errors = validate(sodai.schema, {"contact": contact}, english=english)
    return {k: v for k, v in errors.items() if k.startswith("contact.")}


@pytest.mark.parametrize(
    "number",
    ["03-1234-5678", "0422-51-2345", "04992-2-1234", "090-1234-5678", "070-1234-5678", "080-1234-5678",
     "050-1234-5678", "0120-123-456", "0800-123-4567", "0312345678"],
)  # fmt: skip
def test_japanese_fixed_mobile_ip_and_free_dial_numbers_are_accepted(sodai: Definition, number: str) -> None:
    assert _contact_errors(sodai, {"phone": number}) == {}


@pytest.mark.parametrize(
    "number",
    ["090-1234", "03-1234-567", "090-1234-56789", "1234-5678", "0990-123-456", "0570-000-123", "+44 20 7946 0000",
     "０３－１２３４－５６７８", "電話"],
)  # fmt: skip
def test_short_long_pay_line_foreign_and_unnormalised_numbers_are_refused(sodai: Definition, number: str) -> None:
    assert _contact_errors(sodai, {"phone": number}) == {
        "contact.phone": "連絡先（電話番号）は「03-1234-5678」「090-1234-5678」のように市外局番から入力してください"
    }


def test_the_phone_message_is_in_english_too(sodai: Definition) -> None:
    assert _contact_errors(sodai, {"phone": "090-1234"}, english=True) == {
        "contact.phone": "Contact details (Phone number) must be a Japanese phone number with its area code,"
        " such as 03-1234-5678 or 090-1234-5678"
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("(03) 1234 5678", "03-1234-5678"),
        ("0422512345", "0422-51-2345"),
        ("+81 90-1234-5678", "090-1234-5678"),
        ("090-1234", "090-1234"),  # not a number: kept as typed (folded), so the message can name it
    ],
)
def test_a_typed_phone_number_is_stored_in_the_national_format(sodai: Definition, typed: str, stored: str) -> None:
    post = QueryDict(mutable=True)
    post["contact.phone"] = typed
    assert parse_post(sodai.schema, ["contact"], post) == {"contact": {"phone": stored}}


@pytest.mark.parametrize("address", ["taro@example", "taro@localhost", "taro.example.jp", "taro@@example.jp"])
def test_an_email_address_needs_a_domain_with_a_dot(sodai: Definition, address: str) -> None:
    errors = _contact_errors(sodai, {"phone": "03-1234-5678", "email": address})
    assert errors == {"contact.email": "連絡先（メールアドレス）は name@example.jp のような形式で入力してください"}


def test_an_ordinary_email_address_is_accepted(sodai: Definition) -> None:
    assert _contact_errors(sodai, {"phone": "03-1234-5678", "email": "taro.yamada+gomi@example.co.jp"}) == {}
