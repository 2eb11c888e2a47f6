# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from civicloop.core import audit, checks  # noqa: F401

        # A malformed audit key fails at start, not at the first audited write. A missing one is
        # `check --deploy`'s to report (core.E001): raising here would stop that check running.
        if settings.AUDIT_KEY:
            audit.keyring()  # parses the current and the retired keys, and refuses a repeated id
        for value in settings.AUDIT_OLD_KEYS:
            audit.parse_key(value, name="CIVICLOOP_AUDIT_KEYS")
