# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "civicloop.devices"
    verbose_name = "Devices"
