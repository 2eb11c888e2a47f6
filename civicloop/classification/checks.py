# SPDX-License-Identifier: MPL-2.0
"""`manage.py check --deploy` reports a production without key-encryption keys."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from civicloop.classification.crypto import ENCRYPTED_TIERS


@register(Tags.security, deploy=True)
def keys_configured(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "CLASSIFICATION_DEMO_KEYS", False):
        return []
    configured = getattr(settings, "CLASSIFICATION_KEKS", {})
    return [
        Error(
            f"No key-encryption key for {tier}: SECRET and TOP SECRET content cannot be stored.",
            hint=f"Set CIVICLOOP_KEK_{tier} (docs/classification.md, 'Keys').",
            id="classification.E001",
        )
        for tier in ENCRYPTED_TIERS
        if not configured.get(tier)
    ]
