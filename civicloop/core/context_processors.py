# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict[str, Any]:
    is_english = (get_language() or "ja").startswith("en")
    return {
        "lg_name": settings.LG_NAME_EN if is_english else settings.LG_NAME_JA,
        "is_english": is_english,
        "demo_enabled": settings.DEMO_ENABLED,
    }
