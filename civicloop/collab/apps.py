# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class CollabConfig(AppConfig):
    name = "civicloop.collab"
    label = "collab"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Staff chat"
