# SPDX-License-Identifier: MPL-2.0
"""The shape of the council pages' input; the actions enforce the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department
from civicloop.council.models import Question, Session


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["name", "opens_on", "closes_on"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "input"}),
            "opens_on": forms.DateInput(attrs={"type": "date", "class": "input input--short"}),
            "closes_on": forms.DateInput(attrs={"type": "date", "class": "input input--short"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The session cannot close before it opens."))
        return data


class QuestionForm(forms.ModelForm):
    """The deadline is entered and shown in Asia/Tokyo (TIME_ZONE); it is stored aware."""

    class Meta:
        model = Question
        fields = ["kind", "number", "member_name", "subject", "text", "answer_due_at"]
        widgets = {
            "kind": forms.Select(attrs={"class": "input"}),
            "number": forms.NumberInput(attrs={"class": "input input--short", "min": 1}),
            "member_name": forms.TextInput(attrs={"class": "input"}),
            "subject": forms.TextInput(attrs={"class": "input"}),
            "text": forms.Textarea(attrs={"class": "input input--textarea", "rows": 5}),
            "answer_due_at": forms.DateTimeInput(
                attrs={"type": "datetime-local", "class": "input input--short"}, format="%Y-%m-%dT%H:%M"
            ),
        }


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Answering department"),
        queryset=Department.objects.order_by("code"),
        widget=forms.Select(attrs={"class": "input"}),
    )
