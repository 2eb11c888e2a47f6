# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "civicloop.documents"
    verbose_name = "Issued documents"
