# SPDX-License-Identifier: MPL-2.0
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from civicloop.core.files import detect_mime


class VerifyForm(forms.Form):
    """The upload on the public verification page: one PDF, checked for shape before pyHanko reads it."""

    document = forms.FileField(
        label=_("The PDF to check"),
        help_text=_("The PDF file exactly as you received it (downloaded from your application page)."),
        error_messages={
            "required": _("Choose the PDF file to check."),
            "empty": _("The file is empty. Choose the PDF you received."),
            "invalid": _("The file could not be uploaded. Try again."),
            "missing": _("Choose the PDF file to check."),
        },
    )

    def clean_document(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["document"]
        limit = settings.DOCUMENTS_VERIFY_MAX_BYTES
        if (upload.size or 0) > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s. Documents we issue are much smaller."),
                params={"limit": filesizeformat(limit)},
            )
        if detect_mime(upload) != "application/pdf":
            raise forms.ValidationError(_("This file is not a PDF."))
        return upload
