# SPDX-License-Identifier: MPL-2.0
"""`manage.py check --deploy` warns when rate limits would count per process (docs/security.md, "Rate limits")."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def rate_limits_shared(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache":
        return []
    # A warning, not an error: a site served by one process counts correctly in memory.
    return [
        Warning(
            "Rate limits are counted in each process's memory: with several workers each one allows the full limit.",
            hint="Set CIVICLOOP_CACHE_URL to a shared Redis, e.g. redis://127.0.0.1:6379/1 (docs/configuration.md).",
            id="accounts.W001",
        )
    ]
