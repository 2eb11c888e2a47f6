# SPDX-License-Identifier: MPL-2.0
"""Japanese telephone numbers in forms: `format: jp-phone` checks, `x-normalize: phone` tidies.

Accepted: fixed lines (10 digits: 03-1234-5678, 0422-51-2345), mobiles (11 digits: 070/080/090,
and 060 since the plan opened it), IP phones (050, 11 digits) and free dial (0120 with 10 digits,
0800 with 11). Pay lines (0990), navi dial (0570) and pagers (020) are not a resident's own
number and are refused. The numbering plan (which prefixes exist, how long each number is, where
the hyphens go: 03-1234-5678 but 0422-51-2345 and 04992-2-1234) comes from libphonenumber's
metadata (`phonenumbers`, docs/dependencies.md), which follows 総務省's allocations.
"""

import re
import unicodedata

import phonenumbers

FORMAT = "jp-phone"
_ACCEPTED_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.TOLL_FREE,
}
# Hyphens a Japanese keyboard or a copied number brings: ー (long vowel), − (minus), ‐ ‑ – — ―.
_DASHES = re.compile(r"[ー−‐‑‒–—―ｰ]")


def _parse(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, "JP")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        return None
    return number if phonenumbers.number_type(number) in _ACCEPTED_TYPES else None


def normalize_phone(raw: str) -> str:
    """`０９０ー１２３４ー５６７８` → `090-1234-5678`; input that is no valid number is returned NFKC-folded."""
    folded = _DASHES.sub("-", unicodedata.normalize("NFKC", raw)).strip()
    number = _parse(folded)
    if number is None:
        return folded
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def is_phone(value: object) -> bool:
    """A number as stored: ASCII digits and hyphens, starting with 0, valid in the Japanese plan."""
    if not isinstance(value, str):
        return True  # formats judge strings only; `type` reports the rest
    return bool(re.fullmatch(r"0[0-9]+(?:-[0-9]+)*", value)) and _parse(value) is not None
