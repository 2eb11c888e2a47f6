# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from civicloop.core.language import is_english


def site(request: HttpRequest) -> dict[str, Any]:
    english = is_english()
    return {
        "lg_name": settings.LG_NAME_EN if english else settings.LG_NAME_JA,
        "is_english": english,
        "demo_enabled": settings.DEMO_ENABLED,
    }
