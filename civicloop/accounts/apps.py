# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicloop.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.mfa import signals
        from django.contrib.auth.signals import user_logged_in

        from civicloop.accounts import checks, receivers  # noqa: F401 - checks registers the deploy check

        signals.authenticator_added.connect(receivers.on_authenticator_added, dispatch_uid="civicloop.mfa.added")
        signals.authenticator_removed.connect(receivers.on_authenticator_removed, dispatch_uid="civicloop.mfa.removed")
        user_logged_in.connect(receivers.on_logged_in, dispatch_uid="civicloop.header.permissions")
