# SPDX-License-Identifier: MPL-2.0
from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.intelligence.actions import MAX_TEXT


class InquiryForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        help_text=_("Describe your situation in your own words. You do not need to know which department handles it."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Enter your question"),
            "max_length": _("Your question must be 4,000 characters or fewer"),
        },
    )
    contact_email = forms.EmailField(
        label=_("Email address for the answer"),
        required=False,
        error_messages={"invalid": _("Enter an email address such as name@example.jp, or leave it empty.")},
    )
    attachment = forms.FileField(label=_("Attach a photo or document"), required=False)
