# SPDX-License-Identifier: MPL-2.0
"""A co-edited document as a PDF: the result documents' renderer with the classification marking.

The HTML is the server's own rendering of the Y document (`ydoc.to_html`, text escaped), frozen in
a version or read from the stored updates; it goes through `documents.rendering.render_pdf`
(WeasyPrint, fonts embedded, no network), with the tier's marking at the top and the bottom of
every page and, from SECRET up, the watermark naming who exported it and when.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from civicloop.accounts.models import User
from civicloop.authoring.models import Document, Version
from civicloop.classification.marking import marking_for
from civicloop.documents.rendering import render_pdf, wareki


def render(document: Document, html: str, *, version: Version | None, viewer: User) -> bytes:
    """The PDF, in Japanese (the municipality's working language), marked with the document's tier."""
    signed_off_at = version.signed_off_at if version else None
    context = {
        "document": document,
        "body": mark_safe(html),  # noqa: S308  # ydoc.to_html escapes every text it writes
        "version": version,
        "signed_off_on": wareki(timezone.localdate(signed_off_at)) if signed_off_at else "",
        "printed_on": wareki(timezone.localdate()),
        "marking": marking_for(document.classification, viewer=viewer),
        "lg_name": settings.LG_NAME_JA,
        "department": document.department.name_ja,
    }
    with translation.override("ja"):
        context["kind"] = str(document.get_kind_display())
        return render_pdf(render_to_string("authoring/pdf/document.html", context))
