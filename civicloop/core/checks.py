# SPDX-License-Identifier: MPL-2.0
"""`manage.py check --deploy`: a production without an audit key cannot anchor its audit chain."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def audit_key_configured(app_configs: Sequence[Any] | None, **kwargs: Any) -> list[CheckMessage]:
    # The demo does not silence this: a development key in VAR_DIR sits beside the database it guards.
    if settings.AUDIT_KEY or settings.DEBUG:
        return []
    return [
        Error(
            "No audit key: audited writes fail (with the demo on, they use a development key kept beside the "
            "database, which anchors nothing).",
            hint="Set CIVICLOOP_AUDIT_KEY, kept outside the database and its backups "
            "(docs/operations.md, 'Audit chain').",
            id="core.E001",
        )
    ]
