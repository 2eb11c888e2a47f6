# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "civicloop.devices"
    verbose_name = "Devices"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from civicloop.devices.sessions import bind_at_sign_in

        user_logged_in.connect(bind_at_sign_in, dispatch_uid="civicloop.devices.bind_at_sign_in")
