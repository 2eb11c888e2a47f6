# SPDX-License-Identifier: MPL-2.0
import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.accounts.ratelimit import limit_submissions
from civicloop.applications import actions, bundles
from civicloop.applications.access import get_application_for_user, get_attachment_for_user
from civicloop.applications.models import Application, Attachment, StatusChange
from civicloop.catalog.definition import Definition, Step
from civicloop.catalog.formschema import BoundField, bind, errors_for, field_specs, parse_post, summarize, validate
from civicloop.catalog.models import Procedure
from civicloop.catalog.prefill import Identity, Sourced, prefill, sourced_paths
from civicloop.classification.policy import Action, context_from_request, record_listed
from civicloop.core.compiled import Param, compiled
from civicloop.core.language import is_english
from civicloop.core.paging import Paginator


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _draft(request: HttpRequest, public_id: uuid.UUID) -> Application:
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=context_from_request(request)
    )
    if not application.is_draft:
        raise Http404
    return application


# "Sign in and start" leaves this in the session; the sign-in returns to GET start, which honours it
# once. Starting stays a POST with a CSRF token: a link elsewhere cannot open drafts in a resident's
# name, because the GET only completes a start the resident asked for a moment ago.
_START_INTENT = "civicloop_start_intent"
_START_INTENT_SECONDS = 30 * 60


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.published().select_related("current_version"), code=code)
    version = procedure.current_version
    assert version is not None
    if request.method == "GET":
        if not (request.user.is_authenticated and _take_start_intent(request, code)):
            return redirect("catalog:procedure-detail", code)
        application = actions.start_application(procedure=procedure, user=_user(request))
    elif not request.user.is_authenticated:
        if not (version.allows_guest and request.POST.get("as_guest")):
            request.session[_START_INTENT] = {"code": code, "at": int(time.time())}
            return redirect(
                f"{reverse('accounts:login')}?next={reverse('applications:application-start', args=[code])}"
            )
        guest_key = Application.new_guest_key()
        request.session["guest_keys"] = [*request.session.get("guest_keys", [])[-19:], guest_key]
        application = actions.start_application(procedure=procedure, user=None, guest_key=guest_key)
    else:
        application = actions.start_application(procedure=procedure, user=_user(request))
    definition = Definition(version.definition)
    _prefill_from_sign_in(application, definition)
    return redirect("applications:step-edit", application.public_id, definition.steps[0].id)


def _take_start_intent(request: HttpRequest, code: str) -> bool:
    intent = request.session.pop(_START_INTENT, None)
    return (
        isinstance(intent, dict)
        and intent.get("code") == code
        and time.time() - float(intent.get("at", 0)) < _START_INTENT_SECONDS
    )


def _prefill_from_sign_in(application: Application, definition: Definition) -> None:
    """Fill the empty `x-prefill` answers of a new draft from the resident's sign-in (基本4情報)."""
    identity = Identity.of(application.applicant)
    if identity is None:
        return
    filled = prefill(definition.schema, application.answers, identity)
    if filled == application.answers:
        return
    # Later steps first, and the first step last even when nothing of it was filled: the draft's last
    # saved step is where "my applications" resumes, and the resident has not seen any step yet.
    first = definition.steps[0]
    for s in reversed(definition.steps):
        if s == first or any(filled.get(name) != application.answers.get(name) for name in s.fields):
            fragment = {name: filled[name] for name in s.fields if name in filled}
            application = actions.save_step(application=application, step_id=s.id, answers=fragment)


def _sourced(application: Application, definition: Definition, answers: dict[str, Any]) -> Sourced:
    return sourced_paths(definition.schema, answers, Identity.of(application.applicant))


def _mark_sources(fields: Iterable[BoundField], roots: frozenset[str], note: str = "") -> None:
    """Say on the form which fields still hold what the sign-in (or an earlier application) gave."""
    for bound in fields:
        if bound.name in roots:
            bound.source_note = note or _("Filled in from your sign-in")
        _mark_sources(bound.children, roots, note)


def _carried_note(application: Application) -> str:
    trigger = application.follows
    if trigger is None:
        return ""
    return _("Filled in from your %(name)s") % {"name": trigger.procedure_version.name}


def _next_url(application: Application, definition: Definition, step: Step) -> str:
    visible = definition.visible_steps(application.answers)
    ids = [s.id for s in visible]
    if step.id in ids and ids.index(step.id) + 1 < len(ids):
        return reverse("applications:step-edit", args=[application.public_id, ids[ids.index(step.id) + 1]])
    if definition.attachments:
        return reverse("applications:attachment-list", args=[application.public_id])
    return reverse("applications:application-check", args=[application.public_id])


def _previous_url(application: Application, definition: Definition, step: Step) -> str:
    ids = [s.id for s in definition.visible_steps(application.answers)]
    if step.id in ids and ids.index(step.id) > 0:
        return reverse("applications:step-edit", args=[application.public_id, ids[ids.index(step.id) - 1]])
    return reverse("catalog:procedure-detail", args=[application.procedure_version.procedure.code])


def step(request: HttpRequest, public_id: uuid.UUID, step_id: str) -> HttpResponse:
    application = _draft(request, public_id)
    definition = Definition(application.procedure_version.definition)
    current = definition.step(step_id)
    if current is None:
        raise Http404
    errors: dict[str, str] = {}
    add_row_to = ""
    answers = application.answers
    if request.method == "POST":
        fresh = parse_post(definition.schema, current.fields, request.POST)
        application = actions.save_step(application=application, step_id=current.id, answers=fresh)
        answers = application.answers
        add_row_to = request.POST.get("add_row", "")
        remove = request.POST.get("remove_row", "")
        if remove:
            answers = _without_row(application, definition, current, remove)
            add_row_to = "-"
        if not add_row_to:
            errors = errors_for(
                validate(definition.schema, definition.prune(answers), english=is_english()), current.fields
            )
            if not errors:
                return redirect(
                    (
                        request.GET.get("return") == "check"
                        and reverse("applications:application-check", args=[public_id])
                    )
                    or _next_url(application, definition, current)
                )
    specs = field_specs(definition.schema, current.fields)
    fields = [bind(spec, answers.get(spec.path), errors, english=is_english(), add_row_to=add_row_to) for spec in specs]
    _mark_sources(fields, _sourced(application, definition, answers).roots)
    _mark_sources(fields, bundles.carried_paths(application, answers).roots, _carried_note(application))
    visible = definition.visible_steps(answers)
    return render(
        request,
        "applications/step.html",
        {
            "application": application,
            "version": application.procedure_version,
            "step": current,
            "step_title": current.title_in(is_english()),
            "step_intro": current.intro_in(is_english()),
            "step_number": ([s.id for s in visible].index(current.id) + 1) if current in visible else 1,
            "step_count": len(visible) + (1 if definition.attachments else 0) + 1,
            "fields": fields,
            "errors": errors,
            "error_links": _error_links(errors, fields),
            "back_url": _previous_url(application, definition, current),
            "return_to_check": request.GET.get("return") == "check",
        },
        status=400 if errors else 200,
    )


def _without_row(application: Application, definition: Definition, current: Step, path: str) -> dict[str, Any]:
    name, _sep, index = path.rpartition(".")
    rows = application.answers.get(name)
    if name in current.fields and isinstance(rows, list) and index.isdigit() and int(index) < len(rows):
        fragment = {k: v for k, v in application.answers.items() if k in current.fields}
        fragment[name] = [r for i, r in enumerate(rows) if i != int(index)]
        if not fragment[name]:
            del fragment[name]
        return actions.save_step(application=application, step_id=current.id, answers=fragment).answers
    return dict(application.answers)


def _error_links(errors: dict[str, str], fields: list[Any]) -> list[tuple[str, str]]:
    """(anchor id, message) for the error summary, in the order the fields appear."""
    order: list[str] = []

    def walk(bound: Any) -> None:
        order.append(bound.name)
        for child in bound.children:
            walk(child)
        for row in bound.rows:
            for child in row:
                walk(child)

    for bound in fields:
        walk(bound)
    ranked = sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return [("f-" + key.replace(".", "-"), message) for key, message in ranked]


def attachments(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _draft(request, public_id)
    definition = Definition(application.procedure_version.definition)
    errors: dict[str, str] = {}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        if upload is None:
            errors[kind] = _("Choose a file to upload.")
        else:
            try:
                actions.add_attachment(application=application, kind=kind, upload=upload)
            except actions.AttachmentRejected as exc:
                errors[kind] = str(exc)
            else:
                messages.success(request, _("%(name)s was attached.") % {"name": upload.name})
                return redirect("applications:attachment-list", public_id)
    rules = definition.applicable_attachments(application.answers)
    stored = list(application.attachments.all())
    groups = [
        {
            "rule": rule,
            "label": rule.label_in(is_english()),
            "help": rule.help_in(is_english()),
            "files": [a for a in stored if a.kind == rule.code],
            "error": errors.get(rule.code, ""),
            "accept": ",".join(f".{t}" if t != "jpeg" else ".jpg,.jpeg" for t in rule.types),
        }
        for rule in rules
    ]
    visible = definition.visible_steps(application.answers)
    return render(
        request,
        "applications/attachments.html",
        {
            "application": application,
            "version": application.procedure_version,
            "groups": groups,
            "errors": errors,
            "error_links": [(f"file-{k}", v) for k, v in errors.items()],
            "back_url": reverse("applications:step-edit", args=[public_id, visible[-1].id]),
            "step_number": len(visible) + 1,
            "step_count": len(visible) + 2,
        },
        status=400 if errors else 200,
    )


@require_POST
def attachment_delete(request: HttpRequest, public_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    application = _draft(request, public_id)
    attachment = get_attachment_for_user(
        request.user, attachment_id, action=Action.EDIT, context=context_from_request(request)
    )
    if attachment.application_id != application.pk:
        raise Http404
    actions.remove_attachment(attachment=attachment)
    messages.info(request, _("%(name)s was removed.") % {"name": attachment.original_name})
    return redirect("applications:attachment-list", public_id)


@limit_submissions()
def check(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = _draft(request, public_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not request.POST.get("declaration"):
            errors["declaration"] = _("Confirm the declaration to submit.")
        if request.user.is_anonymous:
            email = request.POST.get("guest_email", "").strip()
            if email and not _looks_like_email(email):
                errors["guest_email"] = _("Enter an email address such as name@example.jp, or leave it empty.")
            else:
                application.guest_email = email
                application.save(update_fields=["guest_email"])
        if not errors:
            try:
                # The draft is its own idempotency key: a posted key is never trusted (another
                # draft's key would collide); submitting the same draft again returns it unchanged.
                submitted = actions.submit_application(
                    application=application, submission_key=f"web:{application.public_id}"
                )
            except actions.FeeUnpaid:
                # Complete and valid; the fee comes first (civicloop.payments submits it on capture).
                return redirect("payments:prepayment", application.public_id)
            except actions.SubmissionInvalid as exc:
                errors = exc.errors
            else:
                return redirect("applications:receipt-detail", submitted.public_id)
    return _render_check(request, application, errors)


def _looks_like_email(value: str) -> bool:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _render_check(request: HttpRequest, application: Application, errors: dict[str, str]) -> HttpResponse:
    definition = Definition(application.procedure_version.definition)
    answers = definition.prune(application.answers)
    english = is_english()
    sections = []
    for s in definition.visible_steps(answers):
        rows = []
        for spec in field_specs(definition.schema, s.fields):
            rows += summarize(spec, answers.get(spec.path), english=english)
        sections.append({"step": s, "title": s.title_in(english), "rows": rows})
    all_errors = {**actions.completeness_errors(application), **errors} if request.method == "POST" else errors
    kinds = {a.kind for a in application.attachments.all()}
    files = [
        {
            "label": r.label_in(english),
            "files": [a for a in application.attachments.all() if a.kind == r.code],
            "required": r.required,
            "missing": r.required and r.code not in kinds,
        }
        for r in definition.applicable_attachments(answers)
    ]
    return render(
        request,
        "applications/check.html",
        {
            "application": application,
            "version": application.procedure_version,
            "sections": sections,
            "sourced": _sourced(application, definition, answers).leaves,
            "carried": bundles.carried_paths(application, answers).leaves,
            "carried_note": _carried_note(application),
            "attachment_groups": files,
            "has_attachments": bool(definition.attachments),
            "pays_first": actions.fee_before_submission(definition.data),
            "errors": all_errors,
            "error_links": [(_check_anchor(application, definition, k), v) for k, v in all_errors.items()],
        },
        status=400 if all_errors else 200,
    )


def _check_anchor(application: Application, definition: Definition, key: str) -> str:
    if key == "declaration":
        return "#f-declaration"
    if key.startswith("attachment:"):
        return reverse("applications:attachment-list", args=[application.public_id])
    top = key.split(".")[0]
    owner = next((s for s in definition.steps if top in s.fields), None)
    if owner is None:
        return "#"
    url = reverse("applications:step-edit", args=[application.public_id, owner.id])
    return f"{url}?return=check#f-{key.replace('.', '-')}"


def done(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = get_application_for_user(
        request.user, public_id, action=Action.VIEW, context=context_from_request(request)
    )
    if application.is_draft:
        return redirect("applications:application-check", public_id)
    return render(
        request,
        "applications/done.html",
        {
            "application": application,
            "version": application.procedure_version,
            "bundle": _own_bundle(request, application),
        },
    )


def _own_bundle(request: HttpRequest, application: Application) -> bundles.Bundle | None:
    """The life-event bundle, offered to the resident who applied (not to staff or a guest)."""
    if application.applicant_id is None or application.applicant_id != request.user.pk:
        return None
    return bundles.bundle_of(application)


@require_http_methods(["GET", "POST"])
def follow_ups(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The life-event bundle: the procedures that follow this application, started prefilled on POST."""
    application = get_application_for_user(
        request.user, public_id, action=Action.VIEW, context=context_from_request(request)
    )
    bundle = _own_bundle(request, application)
    if bundle is None:
        raise Http404
    if request.method == "POST":
        try:
            actions.start_follow_ups(trigger=application, codes=request.POST.getlist("procedure"), user=_user(request))
        except actions.NoFollowUps:
            raise Http404 from None
        return redirect("applications:follow-up-list", public_id)
    return render(request, "applications/follow_ups.html", {"application": application, "bundle": bundle})


# What a line of "my applications" shows, and the audit of a listed SECRET one reads (its id and class).
MY_LIST_COLUMNS = (
    "public_id", "receipt_number", "status", "classification", "submitted_at", "updated_at",
    "procedure_version__name_ja", "procedure_version__name_en",
)  # fmt: skip


def my_applications(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated and not request.session.get("guest_keys"):
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    context = context_from_request(request)
    # The list shows each version's name, not its definition (the whole form schema) or the answers.
    visible = (
        Application.objects.visible_to(request.user, context, action=Action.VIEW)
        .select_related("procedure_version")
        .only(*MY_LIST_COLUMNS)
    )
    page = Paginator(visible.submitted().order_by("-submitted_at"), 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    drafts = list(visible.drafts().order_by("-updated_at")[:20])
    # Audited as each row's detail page would be (SECRET and above): a list is no quieter way in.
    record_listed(request.user, Action.VIEW, [*page.object_list, *drafts], context)
    return render(request, "applications/my_list.html", {"page": page, "drafts": drafts})


def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    application = get_application_for_user(
        request.user, public_id, action=Action.VIEW, context=context_from_request(request)
    )
    if application.is_draft:
        definition = Definition(application.procedure_version.definition)
        step_id = application.last_step or definition.steps[0].id
        return redirect("applications:step-edit", public_id, step_id)
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "version": application.procedure_version,
            "history": _history(application=application),
            "attachments": _current_attachments(application=application),
        },
    )


# What every application page lists: compiled once (core.compiled).
_history = compiled(lambda: StatusChange.objects.filter(application=Param("application", StatusChange, "application")))
_current_attachments = compiled(
    lambda: Attachment.objects.filter(
        application=Param("application", Attachment, "application"), superseded_at__isnull=True
    )
)


def attachment_download(request: HttpRequest, attachment_id: uuid.UUID) -> FileResponse:
    attachment = get_attachment_for_user(
        request.user, attachment_id, action=Action.DOWNLOAD, context=context_from_request(request)
    )
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response
