# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicloop.notifications"
    verbose_name = "Notifications"
