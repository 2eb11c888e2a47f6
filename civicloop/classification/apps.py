# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "civicloop.classification"
    label = "classification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from civicloop.classification import checks, crypto, subscribers  # noqa: F401

        # A malformed key fails at start, not at the first SECRET submission.
        for tier, values in getattr(settings, "CLASSIFICATION_KEKS", {}).items():
            crypto.parse_keys(tier, list(values or []))
