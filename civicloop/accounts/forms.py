# SPDX-License-Identifier: MPL-2.0
from django import forms
from django.utils.translation import gettext_lazy as _


class InvitationCodeForm(forms.Form):
    code = forms.CharField(label=_("Invitation code"), max_length=40, strip=True)


class IssueInvitationForm(forms.Form):
    username = forms.CharField(label=_("User name of the member of staff"), max_length=150, strip=True)
