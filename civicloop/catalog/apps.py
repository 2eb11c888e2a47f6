# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civicloop.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"
