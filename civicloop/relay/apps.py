# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "civicloop.relay"
    verbose_name = "Event relay"
