# SPDX-License-Identifier: MPL-2.0
"""Which claims become the resident's 基本4情報 (what later fills in their forms)."""

from datetime import date

from civicloop.integrations.oidc.client import identity_from_claims


def test_the_demo_providers_claims_are_taken_as_given() -> None:
    identity = identity_from_claims(
        {
            "sub": "demo-0001",
            "name": "渋谷 花子",
            "name_kana": "シブヤ ハナコ",
            "birthdate": "1988-04-12",
            "address": {"formatted": "東京都渋谷区宇田川町1-1"},
            "email": "hanako@example.jp",
        },
        default_issuer="https://idp.example",
    )
    assert (identity.issuer, identity.name, identity.name_kana) == ("https://idp.example", "渋谷 花子", "シブヤ ハナコ")
    assert identity.birthdate == date(1988, 4, 12)
    assert identity.address == "東京都渋谷区宇田川町1-1"


def test_split_names_and_language_tagged_readings_are_joined_with_a_space() -> None:
    identity = identity_from_claims(
        {
            "sub": "s",
            "family_name": "髙橋",
            "given_name": "美咲",
            "family_name#ja-Kana-JP": "タカハシ",
            "given_name#ja-Kana-JP": "ミサキ",
        },
        default_issuer="i",
    )
    assert (identity.name, identity.name_kana) == ("髙橋 美咲", "タカハシ ミサキ")


def test_an_address_in_parts_keeps_its_postal_code() -> None:
    identity = identity_from_claims(
        {
            "sub": "s",
            "address": {
                "postal_code": "150-0041",
                "region": "東京都",
                "locality": "渋谷区",
                "street_address": "神南2-3-4",
            },
        },
        default_issuer="i",
    )
    assert identity.address == "〒150-0041 東京都渋谷区神南2-3-4"


def test_a_malformed_birthdate_is_dropped_rather_than_trusted() -> None:
    assert identity_from_claims({"sub": "s", "birthdate": "1988-13-45"}, default_issuer="i").birthdate is None
