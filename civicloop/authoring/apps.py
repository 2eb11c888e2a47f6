# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "civicloop.authoring"
    label = "authoring"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Co-edited documents"
