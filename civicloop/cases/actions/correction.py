# SPDX-License-Identifier: MPL-2.0
"""補正: the clerk asks for named answers (and documents) to be fixed; the resident sends them back."""

from collections.abc import Mapping, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.applications.actions import AttachmentRejected, CheckedUpload, check_upload, store_attachment
from civicloop.applications.models import Application, StatusChange
from civicloop.cases.actions._shared import advance, audit_case, lock_for, set_application_status
from civicloop.cases.errors import IllegalTransition, InvalidInput, NotAuthorised
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.classification.policy import NO_CONTEXT, Context, records_refusals
from civicloop.core import audit, events
from civicloop.core.calendar import add_business_days, business_days_between
from civicloop.core.language import is_english


@records_refusals
def request_correction(
    *, case: Case, clerk: User, fields: list[str], attachments: list[str], reason: str, context: Context = NO_CONTEXT
) -> CorrectionRequest:
    """Send a 補正 request naming the answers (and documents) to fix; pauses the processing period."""
    reason = reason.strip()
    with transaction.atomic():
        locked = lock_for(case, clerk, context)
        application = (
            Application.objects.select_for_update().select_related("procedure_version").get(pk=locked.application_id)
        )
        definition = Definition(application.procedure_version.definition)
        known_fields = {name for step in definition.steps for name in step.fields}
        known_files = {rule.code for rule in definition.attachments}
        if locked.status == Case.Status.CLOSED or locked.step != "review":
            raise IllegalTransition(locked.step or locked.status)
        if (
            not reason
            or not (fields or attachments)
            or not set(fields) <= known_fields
            or not set(attachments) <= known_files
        ):
            raise InvalidInput({"correction": "name at least one answer or document of this form, and the reason"})
        advance(locked, "review", clerk, result="correction", comment=reason, data={"route": "correction"})
        request = CorrectionRequest.objects.create(
            case=locked,
            fields=fields,
            attachments=attachments,
            reason=reason,
            requested_by=clerk,
            classification=locked.classification,
        )
        locked.status = Case.Status.CORRECTION
        locked.save(update_fields=["status"])
        set_application_status(locked, Application.Status.CORRECTION_REQUESTED, reason)
        events.record(
            "case.correction_requested",
            subject=f"case/{locked.public_id}",
            data={"fields": fields, "attachments": attachments, "department": definition.data["department"]},
            classification=locked.classification,
        )
        audit_case(clerk, "case.request_correction", locked, {"fields": fields, "attachments": attachments})
    return request


# Answers never copied into a correction's before/after (UNSHOWN: the clerk sees only that they changed).
UNSHOWN = frozenset({"my_number"})


def _checked_replacements(
    application: Application, kinds: list[str], uploads: Mapping[str, Sequence[UploadedFile]]
) -> list[CheckedUpload]:
    """Every document the request names needs at least one new file, each checked like any upload."""
    definition = Definition(application.procedure_version.definition)
    checked, errors = [], {}
    for kind in kinds:
        rule = definition.attachment(kind)
        files = list(uploads.get(kind, []))
        if rule is None:
            continue
        label = rule.label_in(is_english())
        if not files:
            errors[f"attachment:{kind}"] = _("Attach the new file for %(label)s.") % {"label": label}
        elif len(files) > rule.max_files:
            errors[f"attachment:{kind}"] = _("You can attach at most %(n)s files here.") % {"n": rule.max_files}
        for upload in files[: rule.max_files]:
            try:
                checked.append(check_upload(definition, kind, upload))
            except AttachmentRejected as exc:
                errors[f"attachment:{kind}"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return checked


def resubmit_correction(
    *,
    application: Application,
    resident: User,
    answers: dict[str, object],
    uploads: Mapping[str, Sequence[UploadedFile]] | None = None,
) -> CorrectionRequest:
    """The resident's corrected answers (and replaced documents): only what the request named changes.

    The replaced files are kept, marked superseded, so the record shows what was first sent. The
    period resumes, extended by the business days the request spent with the resident.
    """
    pending = CorrectionRequest.objects.filter(case__application=application, resolved_at__isnull=True).first()
    replacements = _checked_replacements(application, list(pending.attachments) if pending else [], uploads or {})
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("department").get(application_id=application.pk)
        locked = Application.objects.select_for_update().select_related("procedure_version").get(pk=application.pk)
        if locked.applicant_id is None or locked.applicant_id != resident.pk:
            raise NotAuthorised("only the applicant answers a correction request")
        before = dict(locked.answers)
        request = case.corrections.filter(resolved_at__isnull=True).first()
        if request is None or case.status != Case.Status.CORRECTION:
            raise IllegalTransition(case.status)
        definition = Definition(locked.procedure_version.definition)
        merged = {k: v for k, v in locked.answers.items() if k not in request.fields}
        merged.update({k: v for k, v in answers.items() if k in request.fields})
        merged = definition.prune(merged)
        # A date chosen weeks ago is judged against today only when the 補正 asks to change it.
        errors = validate(definition.schema, merged, date_rules_on=request.fields)
        if errors:
            raise InvalidInput(errors)
        now = timezone.now()
        request.resolved_at = now
        request.paused_business_days = business_days_between(
            timezone.localdate(request.requested_at), timezone.localdate(now)
        )
        # What the clerk reads as before → after; 個人番号 never (it lives in its own sealed field).
        request.answers_before = {k: before[k] for k in request.fields if k in before and k not in UNSHOWN}
        request.answers_after = {k: merged[k] for k in request.fields if k in merged and k not in UNSHOWN}
        request.save(update_fields=["resolved_at", "paused_business_days", "answers_before", "answers_after"])
        case.due_date = add_business_days(case.due_date, request.paused_business_days)
        case.status = Case.Status.IN_REVIEW
        case.save(update_fields=["due_date", "status"])
        advance(case, "correction", None, result="resubmitted")
        if set(request.attachments) != {c.kind for c in replacements}:
            raise IllegalTransition("the request changed while the files were being checked")
        locked.attachments.filter(kind__in=request.attachments, superseded_at__isnull=True).update(superseded_at=now)
        for checked in replacements:
            store_attachment(locked, checked)
        locked.answers = merged
        locked.status = Application.Status.IN_REVIEW
        locked.save(update_fields=["answers", "status", "updated_at"])
        StatusChange.objects.create(application=locked, status=locked.status, at=now)
        # The audit entry names the answers that changed, never their values (they are personal data).
        # Every key, not only the named ones: a changed answer can hide a step and prune its answers.
        changed = sorted(k for k in before.keys() | merged.keys() if before.get(k) != merged.get(k))
        audit.record(
            actor=f"user/{resident.public_id}",
            action="application.correct",
            object_type="application",
            object_id=str(locked.public_id),
            data={
                "correction": str(request.public_id),
                "fields": request.fields,
                "changed": changed,
                "attachments": request.attachments,
            },
            classification=locked.classification,
        )
        events.record(
            "application.corrected",
            subject=f"application/{locked.public_id}",
            data={
                "correction": str(request.public_id),
                "fields": request.fields,
                "attachments": request.attachments,
                "paused_business_days": request.paused_business_days,
                "due_date": case.due_date.isoformat(),
            },
            classification=locked.classification,
        )
    return request
