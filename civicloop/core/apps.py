# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
