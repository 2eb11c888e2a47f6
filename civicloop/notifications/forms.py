# SPDX-License-Identifier: MPL-2.0
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.notifications.models import Language

# Mobile numbers (060/070/080/090 + 8 digits) reach SMS; +81 numbers are taken as given.
_MOBILE = re.compile(r"0[6789]0\d{8}|\+81[6789]0\d{8}")
_LINE_USER_ID = re.compile(r"U[0-9a-f]{32}")


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of notices"), choices=Language.choices, widget=forms.RadioSelect)
    email_enabled = forms.BooleanField(label=_("Email"), required=False)
    sms_enabled = forms.BooleanField(label=_("SMS (text message)"), required=False)
    phone = forms.CharField(
        label=_("Mobile number"), required=False, max_length=20, help_text=_("For example 090-1234-5678.")
    )
    line_enabled = forms.BooleanField(label=_("LINE"), required=False)
    line_user_id = forms.CharField(
        label=_("LINE user ID"),
        required=False,
        max_length=40,
        help_text=_(
            "Add our official LINE account as a friend; it replies with your user ID (U followed by 32 characters)."
        ),
    )

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone", "")).strip()
        if phone and not _MOBILE.fullmatch(re.sub(r"[\s\-]", "", phone)):
            raise forms.ValidationError(_("Enter a mobile number such as 090-1234-5678."))
        return phone

    def clean_line_user_id(self) -> str:
        value = str(self.cleaned_data.get("line_user_id", "")).strip()
        if value and not _LINE_USER_ID.fullmatch(value):
            raise forms.ValidationError(_("Enter the LINE user ID our account sent you: U followed by 32 characters."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sms_enabled") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Enter a mobile number to get notices by SMS."))
        if data.get("line_enabled") and not data.get("line_user_id") and "line_user_id" not in self.errors:
            self.add_error("line_user_id", _("Enter your LINE user ID to get notices on LINE."))
        return data
