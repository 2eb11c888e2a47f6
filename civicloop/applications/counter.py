# SPDX-License-Identifier: MPL-2.0
"""窓口・電話での代理入力: a clerk starts an application for a resident, then fills in the same form.

The page lists the published procedures of the clerk's own departments (the policy lets only the
owning department edit the draft). The clerk says how they confirmed the resident's identity and,
if the resident wants notices, their e-mail address; the draft then opens at its first step, and
from there on it is the resident's form: the same steps, checks, attachments (a scanned paper form
goes in as the procedure's attachment) and check-your-answers page.
"""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from civicloop.accounts.staff import staff_member_or_404
from civicloop.applications import actions
from civicloop.applications.models import IdentityDocument
from civicloop.catalog.definition import Definition
from civicloop.catalog.models import Procedure


class ProcedureChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.current_version.name} ({obj.department.name})"


class AssistedStartForm(forms.Form):
    procedure = ProcedureChoice(
        queryset=Procedure.objects.none(),
        label=_("Procedure"),
        empty_label=None,
        widget=forms.Select(attrs={"class": "input"}),
    )
    channel = forms.ChoiceField(
        label=_("How the resident applies"),
        choices=[("counter", _("At the counter")), ("phone", _("On the phone"))],
        widget=forms.RadioSelect,
        initial="counter",
    )
    identity_checked_with = forms.ChoiceField(
        label=_("Identity confirmed with"), choices=IdentityDocument.choices, widget=forms.RadioSelect
    )
    identity_confirmed = forms.BooleanField(
        label=_("I have confirmed the resident's identity with this document."),
        error_messages={"required": _("Confirm the resident's identity before you start.")},
    )
    email = forms.EmailField(
        label=_("Resident's e-mail address (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"class": "input", "autocomplete": "off"}),
        help_text=_("The receipt and the result notices go there. Leave it empty to hand over the receipt on paper."),
    )

    def __init__(self, *args: Any, procedures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["procedure"]
        assert isinstance(field, ProcedureChoice)
        field.queryset = procedures


def clerk_procedures(user: Any) -> Any:
    return (
        Procedure.objects.published()
        .filter(department__in=user.departments.all())
        .select_related("department", "current_version")
        .order_by("department__code", "code")
    )


@require_http_methods(["GET", "POST"])
def assisted_start(request: HttpRequest) -> HttpResponse:
    clerk = staff_member_or_404(request)
    procedures = clerk_procedures(clerk)
    form = AssistedStartForm(request.POST or None, procedures=procedures)
    if request.method == "POST" and form.is_valid():
        procedure = form.cleaned_data["procedure"]
        try:
            application = actions.start_assisted_application(
                procedure=procedure,
                clerk=clerk,
                channel=form.cleaned_data["channel"],
                identity_checked_with=form.cleaned_data["identity_checked_with"],
                email=form.cleaned_data["email"],
            )
        except actions.ProcedureUnavailable:
            form.add_error("procedure", _("This procedure does not take applications now."))
        else:
            version = application.procedure_version
            first = Definition(version.definition).steps[0].id
            return redirect("applications:step-edit", application.public_id, first)
    # Each summary line names its field ("This field is required." alone doesn't say which one),
    # but the identity checkbox's own message already does.
    error_links = [
        (
            f"f-{name}",
            message
            if name == "identity_confirmed"
            else _("%(label)s: %(problem)s") % {"label": form.fields[name].label, "problem": message},
        )
        for name, messages in form.errors.items()
        for message in messages
    ]
    return render(
        request,
        "applications/assisted_start.html",
        {"form": form, "has_procedures": procedures.exists(), "error_links": error_links},
    )
