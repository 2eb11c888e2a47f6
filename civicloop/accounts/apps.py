# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicloop.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
