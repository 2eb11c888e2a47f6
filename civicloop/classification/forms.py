# SPDX-License-Identifier: MPL-2.0
"""Shape checks for the classification forms; the rules themselves are in actions.py."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Classification


class ChangeRequestForm(forms.Form):
    to_tier = forms.ChoiceField(label=_("New classification"), choices=Classification.choices)
    justification = forms.CharField(label=_("Justification"), max_length=2000)
    provisional = forms.BooleanField(label=_("Apply now, before approval (provisional raise)"), required=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note (required to reject)"), max_length=2000, required=False)


class GrantForm(forms.Form):
    username = forms.CharField(label=_("Staff user name"), max_length=150)
    reason = forms.CharField(label=_("Reason"), max_length=2000)
    expires_on = forms.DateField(label=_("Until (inclusive)"))

    def clean_expires_on(self) -> object:
        value = self.cleaned_data["expires_on"]
        if value < timezone.localdate() or value > timezone.localdate() + timedelta(days=365):
            raise forms.ValidationError(_("Choose a date from today up to one year ahead."))
        return value


class RevokeForm(forms.Form):
    username = forms.CharField(max_length=150)


class MyNumberForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose of this read (recorded)"), max_length=200)
