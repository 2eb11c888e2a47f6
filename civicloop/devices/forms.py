# SPDX-License-Identifier: MPL-2.0
from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.devices.models import Device


class PersonalDeviceForm(forms.Form):
    name = forms.CharField(label=_("A name you will recognise"), max_length=100)
    platform = forms.ChoiceField(label=_("Platform"), choices=Device.Platform.choices)


class LinkForm(forms.Form):
    token = forms.CharField(label=_("The device's enrolment token"), max_length=100, strip=True)


class ManagedDeviceForm(forms.Form):
    owner = forms.CharField(label=_("User name of the member of staff"), max_length=150)
    name = forms.CharField(label=_("Asset name or number"), max_length=100)
    platform = forms.ChoiceField(label=_("Platform"), choices=Device.Platform.choices)
