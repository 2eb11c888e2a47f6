# SPDX-License-Identifier: MPL-2.0
"""`manage.py check --deploy`: a production without a signing key cannot issue documents."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def signing_key_configured(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.SIGNING_KEY_FILE or settings.DEMO_ENABLED or settings.DEBUG:
        return []
    return [
        Error(
            "No signing key: result documents cannot be issued.",
            hint="Set CIVICLOOP_SIGNING_KEY_FILE, CIVICLOOP_SIGNING_CERT_FILE and CIVICLOOP_SIGNING_CHAIN_FILES "
            "(docs/documents.md).",
            id="documents.E001",
        )
    ]
