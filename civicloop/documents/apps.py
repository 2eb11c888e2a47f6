# SPDX-License-Identifier: MPL-2.0
import logging

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "civicloop.documents"
    verbose_name = "Issued documents"

    def ready(self) -> None:
        from civicloop.documents import checks  # noqa: F401 - registers the deploy check

        # WeasyPrint logs every rendering step at INFO (eight lines a document, and three when it
        # is imported): quiet before it is first imported, whatever the root level.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
        # cases records `case.decided`; the signed result follows from here (cases may not import documents).
        from civicloop.documents import subscribers  # noqa: F401
