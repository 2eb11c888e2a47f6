# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civicloop.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"
