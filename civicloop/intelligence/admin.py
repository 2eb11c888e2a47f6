# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicloop.accounts.models import Department, User
from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.policy import context_from_request
from civicloop.intelligence.actions import NotAuthorised, answer_inquiry, reroute_inquiry, submit_inquiry
from civicloop.intelligence.models import Inquiry, RoutingCorrection, RoutingModel
from civicloop.intelligence.reasons import confidence_in_words


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    list_display = (
        "version",
        "created_at",
        "train_examples",
        "corrections_used",
        "cv_top1_accuracy",
        "cv_top3_accuracy",
        "cv_ece",
        "heldout_top1_accuracy",
        "is_active",
    )
    exclude = ("artifact",)
    readonly_fields = (
        "version",
        "created_at",
        "train_examples",
        "corrections_used",
        "cv_macro_f1",
        "cv_top1_accuracy",
        "cv_top3_accuracy",
        "cv_brier",
        "cv_ece",
        "heldout_top1_accuracy",
        "heldout_top3_accuracy",
        "train_seconds",
        "reliability_table",
        "confusion_table",
        "most_confused",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from `manage.py train_routing_model`

    @admin.display(description="confusion matrix (rows: true, columns: predicted)")
    def confusion_table(self, obj: RoutingModel) -> str:
        labels = obj.confusion.get("labels", [])
        matrix = obj.confusion.get("matrix", [])
        head = format_html_join("", "<th>{}</th>", ((label,) for label in labels))
        rows = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            ((labels[i], format_html_join("", "<td>{}</td>", ((n,) for n in row))) for i, row in enumerate(matrix)),
        )
        return format_html("<table><tr><th></th>{}</tr>{}</table>", head, rows)

    @admin.display(
        description="reliability (cross-validated): confidence of the top suggestion against how often it was right"
    )
    def reliability_table(self, obj: RoutingModel) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (b["low"], b["high"], b["count"], _percent(b["mean_confidence"]), _percent(b["accuracy"]))
                for b in obj.confusion.get("reliability", [])
            ),
        )
        return format_html(
            "<table><tr><th>confidence</th><th>questions</th><th>mean confidence</th><th>right</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="most confused pairs")
    def most_confused(self, obj: RoutingModel) -> str:
        pairs = obj.confusion.get("confused_pairs", [])
        return format_html_join("", "<div>{} ↔ {}: {}</div>", ((a, b, n) for a, b, n in pairs))


def _percent(value: Any) -> str:
    return f"{round(float(value) * 100)}%" if isinstance(value, int | float) else "—"


class InquiryRerouteForm(forms.ModelForm):
    reroute_to = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label="re-route to")
    reroute_reason = forms.CharField(required=False, max_length=500, label="reason for re-routing")

    class Meta:
        model = Inquiry
        fields = ["answer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reroute_to") and not (data.get("reroute_reason") or "").strip():
            self.add_error(
                "reroute_reason", "Say why the inquiry is re-routed; the reason is kept with the correction."
            )
        return data


class CorrectionInline(admin.TabularInline):
    model = RoutingCorrection
    extra = 0
    can_delete = False
    readonly_fields = ("from_department", "to_department", "corrected_by", "reason", "at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InquiryRegisterForm(forms.ModelForm):
    """Counter and phone staff register an inquiry for a resident; it is routed like any other."""

    class Meta:
        model = Inquiry
        fields = ["text", "channel", "contact_email"]


@admin.register(Inquiry)
class InquiryAdmin(PolicyScopedAdmin):
    """The triage queue (status: triage) and each department's queue, until the back-office inbox exists.

    Scoped by the policy (PolicyScopedAdmin): each person sees the inquiries their department may
    view — the triage department those waiting for triage — and an inquiry's text only where
    `/inquiries/<id>/` would show it to them. The list shows no text and searches none.
    """

    form = InquiryRerouteForm
    list_display = (
        "reference_number",
        "created_at",
        "status",
        "department_name",
        "suggested_department_name",
        "confidence_label",
        "channel",
    )
    list_filter = ("status", "department", "channel")
    search_fields = ("reference_number",)
    readonly_fields = (
        "reference_number",
        "text",
        "status",
        "department_name",
        "suggested_department_name",
        "suggested_procedure",
        "confidence_label",
        "candidates",
        "telling_words",
        "model",
        "channel",
        "created_at",
    )
    inlines = [CorrectionInline]

    # No raw values where a clerk triages: a confidence in words and per cent, department names,
    # the model's candidates and telling words as text, never a float or a JSON blob.
    @admin.display(description=gettext_lazy("Department"), ordering="department__sort_order")
    def department_name(self, obj: Inquiry) -> str:
        return obj.department.name if obj.department else "—"

    @admin.display(description=gettext_lazy("Suggested department"), ordering="suggested_department__sort_order")
    def suggested_department_name(self, obj: Inquiry) -> str:
        return obj.suggested_department.name if obj.suggested_department else "—"

    @admin.display(description=gettext_lazy("Confidence of the suggestion"), ordering="confidence")
    def confidence_label(self, obj: Inquiry) -> str:
        return confidence_in_words(obj.confidence)

    @admin.display(description=gettext_lazy("Candidate departments"))
    def candidates(self, obj: Inquiry) -> str:
        departments = {d.code: d.name for d in Department.objects.filter(code__in=[c[0] for c in obj.top3 if c])}
        return (
            format_html_join(
                "", "<div>{} — {}</div>", ((departments.get(code, code), _percent(p)) for code, p in obj.top3)
            )
            or "—"
        )

    @admin.display(description=gettext_lazy("Words that weighed most"))
    def telling_words(self, obj: Inquiry) -> str:
        words = [str(w).strip() for w in obj.explanation if str(w).strip()]
        return "、".join(f"「{w}」" for w in words) if words else "—"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = InquiryRegisterForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Inquiry, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)  # the admin requires a signed-in staff user
        if not change:
            created = submit_inquiry(
                text=form.cleaned_data["text"],
                channel=form.cleaned_data["channel"],
                contact_email=form.cleaned_data["contact_email"],
                registered_by=request.user,
            )
            obj.pk, obj.public_id = created.pk, created.public_id
            return
        answer = (form.cleaned_data.get("answer") or "").strip()
        target = form.cleaned_data.get("reroute_to")
        context = context_from_request(request)
        try:
            if answer and answer != (Inquiry.objects.values_list("answer", flat=True).get(pk=obj.pk) or ""):
                answer_inquiry(inquiry=obj, answer=answer, by=request.user, context=context)
            if target is not None and target != obj.department:
                reroute_inquiry(
                    inquiry=obj,
                    to_department=target,
                    by=request.user,
                    reason=form.cleaned_data["reroute_reason"],
                    context=context,
                )
        except NotAuthorised:
            # Administration is not authority: only the department the inquiry is with acts on it.
            messages.error(request, _("Only the department this inquiry is with can answer or move it."))
