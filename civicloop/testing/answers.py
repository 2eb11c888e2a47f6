# SPDX-License-Identifier: MPL-2.0
"""Answers that pass a procedure's form, for tests that submit applications."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from civicloop.core.calendar import add_business_days

VALID_SODAI_GOMI: dict[str, Any] = {
    "applicant": {"family": "𠮷田", "given": "太郎", "family_kana": "ヨシダ", "given_kana": "タロウ"},
    "contact": {"phone": "03-1234-5678"},
    "items": [{"item": "sofa", "quantity": 1}],
    "collection": {
        "address": {
            "postal_code": "150-0042",
            "prefecture": "東京都",
            "city": "渋谷区",
            "town": "宇田川町",
            "block": "1-1",
        },
        # sodai-gomi.yaml asks for a working day at least 7 days ahead (x-date-rule), so the date moves with today.
        "preferred_date": add_business_days(datetime.now(ZoneInfo("Asia/Tokyo")).date(), 7).isoformat(),
    },
}
