# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_catalogue_version(**_kwargs: Any) -> None:
    from civicloop.catalog import versioned_cache

    versioned_cache.forget_version()


class CatalogConfig(AppConfig):
    name = "civicloop.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The catalogue pages show department names, which the admin can change outside a
        # catalogue load: cached pages must not keep the old name (versioned_cache.py).
        from civicloop.accounts.models import Department

        post_save.connect(_forget_catalogue_version, sender=Department, dispatch_uid="catalog-department-saved")
        post_delete.connect(_forget_catalogue_version, sender=Department, dispatch_uid="catalog-department-deleted")
