# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "civicloop.analytics"
    verbose_name = "Analytics"
