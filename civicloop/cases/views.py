# SPDX-License-Identifier: MPL-2.0
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import Department
from civicloop.accounts.reauth import require_recent_auth
from civicloop.applications.access import get_application_for_user
from civicloop.cases import actions, confirmations, history, inbox_page, page_reads, queries
from civicloop.cases.access import get_case_for_user
from civicloop.cases.approval import APPROVAL_REAUTH_SECONDS
from civicloop.cases.forms import InboxFilterForm
from civicloop.cases.models import Case, Consultation, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import bind, errors_for, field_specs, parse_post, summarize
from civicloop.catalog.process import TASKS
from civicloop.classification.policy import Action, Context, context_from_request, evaluate, get_allowed, record_listed
from civicloop.core.language import is_english


def _staff(request: HttpRequest) -> Any:
    user: Any = request.user
    if not getattr(user, "is_staff_member", False):
        raise Http404
    return user


@login_required(login_url="cases:staff-login")
def inbox(request: HttpRequest) -> HttpResponse:
    """The department inbox: filter, sort, find by receipt number or name, assign in bulk."""
    user = _staff(request)
    context = context_from_request(request)
    form = InboxFilterForm(request.GET)
    today = timezone.localdate()
    cases = Case.objects.none()
    if form.is_valid():
        cases = form.apply(
            Case.objects.visible_to(user, context)
            .select_related("assignee", "application__procedure_version")
            .only(*inbox_page.COLUMNS),
            user=user,
            today=today,
        )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    listed: list[Case] = list(page.object_list)
    record_listed(user, Action.VIEW, listed, context)  # as each case page would
    return render(
        request,
        "cases/inbox.html",
        {"page": page, "rows": inbox_page.rows(listed, today), **inbox_page.choices(request, user, form)},
        status=200 if form.is_valid() else 400,
    )


def _answers_sections(application: Any, definition: Definition, *, english: bool) -> list[dict[str, Any]]:
    sections = []
    for step in definition.visible_steps(application.answers):
        rows = []
        for spec in field_specs(definition.schema, step.fields):
            rows += summarize(spec, application.answers.get(spec.path), english=english)
        sections.append({"title": step.title_in(english), "rows": rows})
    return sections


# What the case page's "related cases" list shows: no answers, process state or form definition,
# which would be loaded (and decoded) ten times over for a link, a receipt number and a status.
RELATED_COLUMNS = (
    "public_id", "status", "arrived_at",
    "application__receipt_number",
    "application__procedure_version__name_ja", "application__procedure_version__name_en",
)  # fmt: skip


def _bundle_cases(case: Case, user: Any, context: Any) -> list[Case]:
    """関連する申請: the cases of the same life-event bundle (the first application and those it
    prefilled, `Application.follows`), only those the one policy lets `user` read."""
    application = case.application
    first = application.follows_id or application.pk
    if application.follows_id is None and not page_reads.first_follower(application=application.pk):
        return []
    return list(
        Case.objects.visible_to(user, context)
        .filter(Q(application_id=first) | Q(application__follows_id=first))
        .exclude(pk=case.pk)
        .select_related("application__procedure_version", "department")
        .only(*RELATED_COLUMNS, "department__name_ja", "department__name_en")
        .order_by("arrived_at")
    )


def _related_cases(case: Case, user: Any, context: Any, bundle: list[Case]) -> list[Case]:
    """Other cases of the same resident, or of procedures of the same life event (same resident)."""
    application = case.application
    if application.applicant_id is None:
        return []
    return list(
        Case.objects.visible_to(user, context)
        .filter(application__applicant_id=application.applicant_id)
        .exclude(pk__in=[case.pk, *(c.pk for c in bundle)])
        .select_related("application__procedure_version")
        .only(*RELATED_COLUMNS)
        .order_by("-arrived_at")[:10]
    )


@login_required(login_url="cases:staff-login")
def case_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    return render(request, "cases/case_detail.html", _case_page(case, user, context))


@dataclass(frozen=True)
class Refused:
    """A 起案 or 決裁 the action refused: the form it came from, why, and what was typed, shown again."""

    form: str  # "decision" (起案) or "approval" (決裁)
    message: str
    typed: QueryDict


def _case_page(case: Case, user: Any, context: Context, refused: Refused | None = None) -> dict[str, Any]:
    """What the case page shows; after a refused 起案 or 決裁, with the typed input and the reason."""
    application = case.application
    definition = Definition(application.procedure_version.definition)
    english = is_english()
    events = page_reads.events(
        case_subject=f"case/{case.public_id}", application_subject=f"application/{application.public_id}"
    )
    corrections = history.corrections_of(case, definition, english=english)
    # The route and the steps are shown on the page; who may approve is read from the same rows.
    route = queries.Route(
        steps=page_reads.approval_steps(case=case),
        tasks=page_reads.tasks(case=case),
    )
    may_approve, as_proxy = queries.can_approve(user, case, route)
    attachments = page_reads.attachments(application=application)
    bundle = _bundle_cases(case, user, context)
    return {
        "case": case,
        "application": application,
        "kind": definition.data["kind"],
        "sections": _answers_sections(application, definition, english=english),
        "attachments": [a for a in attachments if a.superseded_at is None],
        "replaced_attachments": [a for a in attachments if a.superseded_at is not None],
        "history": history.build(events, corrections, english=english),
        "corrections": corrections,
        "tasks": route.tasks,
        "step_label": (TASKS.get(case.step, ("", ""))[1 if english else 0]),
        "approval_steps": route.steps,
        "draft_note": queries.draft_note(case, route),
        "post_reviews": [s for s in route.steps if s.awaits_post_review and s.level == user.position],
        "may_approve": may_approve,
        "as_proxy": as_proxy,
        "consultations": page_reads.consultations(case=case),
        "comments": page_reads.comments(case=case),
        "bundle": bundle,
        "related": _related_cases(case, user, context, bundle),
        "sla": case.sla_state(),
        "is_assignee": case.assignee_id == user.pk,
        # Read only if the page shows the 合議 form (the template calls it).
        "other_departments": partial(page_reads.other_departments, department=case.department_id),
        **(_correctable(definition, english=english) if case.step == "review" else {}),
        "open_correction": next((c.request for c in reversed(corrections) if c.request.is_open), None),
        **_typed(case, refused, may_approve),
    }


def _correctable(definition: Definition, *, english: bool) -> dict[str, Any]:
    """What a 補正 may ask for again: the correction form, shown at the review step only."""
    return {
        "correctable_fields": [
            (spec.path, spec.title_en if english else spec.title_ja)
            for step in definition.steps
            for spec in field_specs(definition.schema, step.fields)
        ],
        "correctable_attachments": [(rule.code, rule.label_in(english)) for rule in definition.attachments],
    }


def _typed(case: Case, refused: Refused | None, may_approve: bool) -> dict[str, Any]:
    """What was typed into a refused form: to fill the form again, or — when the case moved on and
    the form is gone — to show as not sent, so it can be copied."""
    typed = refused.typed if refused else QueryDict()
    form = refused.form if refused else ""
    shown = (form == "decision" and case.step == "review") or (form == "approval" and may_approve)
    return {
        "refused": refused,
        "decision_typed": typed if form == "decision" else QueryDict(),
        "consult_typed": typed.getlist("consult") if form == "decision" else [],
        "approval_typed": typed if form == "approval" else QueryDict(),
        "unsent": [] if shown else [text for key in ("reason", "question", "comment") if (text := typed.get(key, ""))],
    }


@login_required(login_url="cases:staff-login")
@require_POST
def claim(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        actions.claim_case(case=case, clerk=user, context=context)
    except actions.CaseAlreadyClaimed:
        messages.error(request, _("Another member of staff claimed this case first. Nothing was changed."))
    except actions.NotAuthorised:
        messages.error(request, _("You cannot take this step on this case. Nothing was changed."))
    else:
        messages.success(request, _("You are now handling this case."))
    return redirect("cases:case-detail", public_id)


@login_required(login_url="cases:staff-login")
@require_POST
def correction_request(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        actions.request_correction(
            case=case,
            clerk=user,
            context=context,
            fields=request.POST.getlist("fields"),
            attachments=request.POST.getlist("attachments"),
            reason=request.POST.get("reason", ""),
        )
    except actions.InvalidInput:
        messages.error(request, _("Choose at least one answer or document and write the reason."))
    except actions.IllegalTransition:
        messages.error(request, _("A correction cannot be requested for this case now. Nothing was changed."))
    except actions.NotAuthorised:
        messages.error(request, _("You cannot take this step on this case. Nothing was changed."))
    else:
        messages.success(
            request, _("The correction request was sent to the resident. The processing period is paused.")
        )
    return redirect("cases:case-detail", public_id)


def correction(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The resident's side of a 補正: change only the named answers, then resubmit."""
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=context_from_request(request)
    )
    open_request = CorrectionRequest.objects.filter(case__application=application, resolved_at__isnull=True).first()
    if open_request is None:
        raise Http404
    definition = Definition(application.procedure_version.definition)
    english = is_english()
    answers: dict[str, Any] = dict(application.answers)
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers.update(parse_post(definition.schema, open_request.fields, request.POST))
        for name in open_request.fields:
            if name not in parse_post(definition.schema, [name], request.POST):
                answers.pop(name, None)
        try:
            uploads = {kind: request.FILES.getlist(f"attachment-{kind}") for kind in open_request.attachments}
            actions.resubmit_correction(
                application=application,
                resident=request.user,  # type: ignore[arg-type]
                answers=answers,
                uploads=uploads,
            )
        except actions.InvalidInput as exc:
            file_errors = {k: v for k, v in exc.errors.items() if k.startswith("attachment:")}
            errors = {**(errors_for(exc.errors, open_request.fields) or exc.errors), **file_errors}
        else:
            messages.success(request, _("Your corrected application was sent. Thank you."))
            return redirect("applications:application-detail", public_id)
    fields = [
        bind(spec, answers.get(spec.path), errors, english=english)
        for spec in field_specs(definition.schema, open_request.fields)
    ]
    return render(
        request,
        "cases/correction.html",
        {
            "application": application,
            "version": application.procedure_version,
            "correction": open_request,
            "fields": fields,
            "replaceable": [
                (code, rule.label_in(english), errors.get(f"attachment:{code}", ""))
                for code in open_request.attachments
                if (rule := definition.attachment(code)) is not None
            ],
            "errors": errors,
            "error_links": [
                (("file-" + k.split(":", 1)[1]) if k.startswith("attachment:") else "f-" + k.replace(".", "-"), v)
                for k, v in errors.items()
            ],
        },
        status=400 if errors else 200,
    )


def _refusal(exc: Exception) -> tuple[str, int]:
    """What a named refusal of a step says, and the status it answers with. Nothing was changed."""
    if isinstance(exc, actions.InvalidInput):
        return _("Check the form: %(problems)s") % {"problems": _problems(exc.errors)}, 400
    if isinstance(exc, actions.NotAuthorised):
        return _("You cannot take this step on this case. Nothing was changed."), 403
    return _("This step is not open for this case now. Nothing was changed."), 409


REFUSALS = (actions.InvalidInput, actions.IllegalTransition, actions.NotAuthorised)


def _case_action(request: HttpRequest, public_id: uuid.UUID, run: Any, done: str) -> HttpResponse:
    """Run one step on a case the policy lets this member of staff see; every refusal is named."""
    user = _staff(request)
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        run(user, case, context)
    except REFUSALS as exc:
        messages.error(request, _refusal(exc)[0])
    else:
        messages.success(request, done)
    return redirect("cases:case-detail", public_id)


def _drafting_step(request: HttpRequest, public_id: uuid.UUID, form: str, run: Any) -> HttpResponse:
    """Run 起案 or 決裁; done, say what became of the case; refused, show the form again as typed.

    `run(user, case, context)` returns the confirmation. A refusal answers with the case page and
    the form filled in as it was sent, beside the reason (400, 403 or 409): nothing typed is lost.
    """
    user = _staff(request)
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        done = run(user, case, context)
    except REFUSALS as exc:
        message, status = _refusal(exc)
        case.refresh_from_db()
        page = _case_page(case, user, context, Refused(form=form, message=message, typed=request.POST))
        return render(request, "cases/case_detail.html", page, status=status)
    messages.success(request, done)
    return redirect("cases:case-detail", public_id)


PROBLEMS = {
    "outcome": gettext_lazy("choose the decision"),
    "reason": gettext_lazy("a refusal must state its reasons, which the resident will read"),
    "consultation": gettext_lazy("choose at least one other department and write the question"),
    "opinion": gettext_lazy("choose an opinion"),
    "comment": gettext_lazy("write a comment"),
    "decision": gettext_lazy("choose approve or return"),
    "body": gettext_lazy("write the comment"),
}


def _problems(errors: dict[str, str]) -> str:
    return "; ".join(str(PROBLEMS.get(key, key)) for key in errors)


@login_required(login_url="cases:staff-login")
@require_POST
@require_recent_auth(APPROVAL_REAUTH_SECONDS)
def decision(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """起案: the clerk finishes 審査 with a drafted decision, optionally asking other departments (合議)."""
    post = request.POST

    def run(user: Any, case: Case, ctx: Context) -> str:
        draft = {
            "outcome": post.get("outcome", ""),
            "reason": post.get("reason", ""),
            "comment": post.get("comment", ""),
        }
        if not post.getlist("consult"):
            return confirmations.after_draft(actions.submit_review(context=ctx, case=case, clerk=user, **draft))
        departments = list(Department.objects.filter(code__in=post.getlist("consult")))
        actions.request_consultation(
            context=ctx, case=case, clerk=user, departments=departments, question=post.get("question", ""), **draft
        )
        return confirmations.after_consultation_request()

    return _drafting_step(request, public_id, "decision", run)


@login_required(login_url="cases:staff-login")
@require_POST
@require_recent_auth(APPROVAL_REAUTH_SECONDS)
def approve(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """決裁: approve the pending step or return the draft (差戻し); the confirmation says which happened."""

    def run(user: Any, case: Case, ctx: Context) -> str:
        step = actions.act_on_approval(
            context=ctx,
            case=case,
            approver=user,
            decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
        )
        return confirmations.after_approval(step, Case.objects.get(pk=case.pk))

    return _drafting_step(request, public_id, "approval", run)


@login_required(login_url="cases:staff-login")
@require_POST
def post_review(request: HttpRequest, public_id: uuid.UUID, step_id: int) -> HttpResponse:
    """後閲 of a step decided by 代決."""

    def run(user: Any, case: Case, ctx: Context) -> None:
        step = case.approval_steps.filter(pk=step_id).first()
        if step is None:
            raise actions.IllegalTransition("no such step")
        actions.post_review(step=step, reviewer=user, comment=request.POST.get("comment", ""), context=ctx)

    return _case_action(request, public_id, run, _("Your review after the fact (後閲) was recorded."))


@login_required(login_url="cases:staff-login")
@require_POST
def inspection(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _case_action(
        request,
        public_id,
        lambda user, case, ctx: actions.record_inspection(
            context=ctx, case=case, clerk=user, comment=request.POST.get("comment", "")
        ),
        _("The inspection was recorded."),
    )


@login_required(login_url="cases:staff-login")
@require_POST
def fee(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _case_action(
        request,
        public_id,
        lambda user, case, ctx: actions.confirm_fee(
            context=ctx, case=case, clerk=user, comment=request.POST.get("comment", "")
        ),
        _("The fee payment was recorded and the result was issued."),
    )


@login_required(login_url="cases:staff-login")
@require_POST
def comment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _case_action(
        request,
        public_id,
        lambda user, case, ctx: actions.add_comment(
            context=ctx, case=case, author=user, body=request.POST.get("body", "")
        ),
        _("Your comment was added."),
    )


@login_required(login_url="cases:staff-login")
@require_POST
def assign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    def run(user: Any, case: Case, ctx: Context) -> None:
        assignee = colleagues().filter(pk=_int(request.POST.get("assignee", ""))).first()
        if assignee is None:
            raise actions.InvalidInput({"assignee": "choose who handles the case"})
        actions.assign_cases(cases=[case], by=user, assignee=assignee, context=ctx)

    return _case_action(request, public_id, run, _("The case was assigned."))


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


@login_required(login_url="cases:staff-login")
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked cases of the inbox to one colleague, all or none."""
    user = _staff(request)
    ids = request.POST.getlist("cases")[:200]
    cases = list(Case.objects.visible_to(user, context_from_request(request)).filter(public_id__in=_uuids(ids)))
    assignee = colleagues().filter(pk=_int(request.POST.get("assignee", ""))).first()
    back = request.POST.get("next", "")
    target = f"{reverse('cases:case-list')}?{back}" if back else reverse("cases:case-list")
    if not cases or assignee is None or len(cases) != len(ids):
        messages.error(request, _("Tick the cases and choose who handles them. Nothing was changed."))
        return redirect(target)
    try:
        count = actions.assign_cases(cases=cases, by=user, assignee=assignee, context=context_from_request(request))
    except (actions.NotAuthorised, actions.IllegalTransition):
        messages.error(request, _("You cannot assign these cases to that person. Nothing was changed."))
    else:
        messages.success(
            request, _("%(count)s cases were assigned to %(name)s.") % {"count": count, "name": assignee.display_name}
        )
    return redirect(target)


def _uuids(values: list[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


@login_required(login_url="cases:staff-login")
def consultation(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """合議: the consulted department reads the draft and the application, and gives its opinion."""
    user = _staff(request)
    queryset = Consultation.objects.select_related(
        "case__application__procedure_version", "case__department", "department", "requested_by"
    )
    context = context_from_request(request)
    asked = get_allowed(queryset, user, Action.VIEW, context, public_id=public_id)
    if request.method == "POST":
        try:
            actions.answer_consultation(
                consultation=asked,
                staff=user,
                context=context,
                opinion=request.POST.get("opinion", ""),
                comment=request.POST.get("comment", ""),
            )
        except actions.InvalidInput as exc:
            messages.error(request, _("Check the form: %(problems)s") % {"problems": _problems(exc.errors)})
        except actions.IllegalTransition:
            messages.error(request, _("This consultation was already answered. Nothing was changed."))
        except actions.NotAuthorised:
            messages.error(request, _("Only the consulted department answers. Nothing was changed."))
        else:
            messages.success(request, _("Your department's opinion was sent."))
            return redirect("cases:consultation-list")
    return render(
        request,
        "cases/consultation.html",
        {
            "consultation": asked,
            "case": asked.case,
            "application": asked.case.application,
            "sections": _answers_sections(
                asked.case.application,
                Definition(asked.case.application.procedure_version.definition),
                english=is_english(),
            ),
            "draft_note": queries.draft_note(asked.case),
            "opinions": Consultation.Opinion.choices,
        },
    )


@login_required(login_url="cases:staff-login")
def consultations(request: HttpRequest) -> HttpResponse:
    """The consultations (合議) other departments asked of mine, open ones first."""
    user = _staff(request)
    asked = (
        Consultation.objects.filter(department__in=user.departments.all())
        .select_related("case__application__procedure_version", "case__department")
        .order_by("answered_at", "requested_at")[:200]
    )
    context = context_from_request(request)
    # A consultation is protected like a case, with the consulted department as its department.
    visible = [c for c in asked if evaluate(user, Action.VIEW, cast(Any, c), context).allowed]
    record_listed(user, Action.VIEW, cast(Any, visible), context)
    return render(request, "cases/consultations.html", {"consultations": visible})


@require_POST
def withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The resident's 取下げ."""
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=context_from_request(request)
    )
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm that you want to withdraw the application."))
        return redirect("applications:application-detail", public_id)
    try:
        actions.withdraw_application(application=application, resident=request.user)  # type: ignore[arg-type]
    except (actions.IllegalTransition, Case.DoesNotExist):
        messages.error(request, _("This application can no longer be withdrawn."))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("applications:application-detail", public_id)
