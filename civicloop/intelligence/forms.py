# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department
from civicloop.catalog.models import Procedure
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


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)  # in the page's language (Department.__str__ is always Japanese)


class ProcedureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.current_version.name if obj.current_version else obj.code)


class ReplyForm(forms.Form):
    """A department's answer to the resident (staff inquiry page)."""

    answer = forms.CharField(
        label=_("Answer to the resident"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter the answer")},
    )


class RerouteForm(forms.Form):
    """Move an inquiry to another department; the reason is kept with the routing correction."""

    department = DepartmentChoiceField(
        label=_("Department to send it to"),
        queryset=Department.objects.order_by("sort_order", "code"),
        widget=forms.Select(attrs={"class": "input"}),
        error_messages={"required": _("Choose a department"), "invalid_choice": _("Choose a department")},
    )
    reason = forms.CharField(
        label=_("Reason for re-routing"),
        max_length=500,
        error_messages={"required": _("Say why the inquiry is re-routed; the reason is kept with the correction.")},
    )


class OpenCaseForm(forms.Form):
    """Turn an inquiry into a case of one of the department's procedures."""

    procedure = ProcedureChoiceField(
        label=_("Procedure"),
        queryset=Procedure.objects.none(),
        widget=forms.Select(attrs={"class": "input"}),
        error_messages={"required": _("Choose a procedure"), "invalid_choice": _("Choose a procedure")},
    )

    def __init__(self, *args: Any, department: Department | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["procedure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Procedure.objects.published().filter(department=department).select_related("current_version")
            if department is not None
            else Procedure.objects.none()
        )
