# SPDX-License-Identifier: AGPL-3.0-or-later
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicloop.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
