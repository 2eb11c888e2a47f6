# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
