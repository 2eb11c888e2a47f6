# SPDX-License-Identifier: MPL-2.0
"""Writes on the citizen side: drafts, attachments and the one-transaction submission."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.applications.models import (
    ASSISTED_CHANNELS,
    Application,
    Attachment,
    IdentityDocument,
    StatusChange,
    new_receipt_number,
)
from civicloop.catalog import fees, followups
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import storable_problem, validate
from civicloop.catalog.models import Procedure
from civicloop.catalog.prefill import Identity, prefill
from civicloop.core import audit, events, insert_batch, pdf
from civicloop.core.files import ALLOWED_MIME, detect_mime
from civicloop.core.language import is_english


class NotADraft(Exception):
    """The application was already submitted; its answers and files can no longer change."""


class AttachmentRejected(Exception):
    """An upload broke a rule; the message says which, in the resident's language."""


class SubmissionInvalid(Exception):
    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class ProcedureUnavailable(Exception):
    pass


class FeeUnpaid(SubmissionInvalid):
    """The procedure takes its fee before submission (`fee_payment.timing: before_submission`) and
    it was not paid: civicloop.payments submits the application once the provider captures it."""

    def __init__(self) -> None:
        super().__init__({"__all__": _("Pay the fee to send this application.")})


def fee_before_submission(definition: Mapping[str, Any]) -> bool:
    """Whether the resident pays this procedure's fee online before the application is sent."""
    return fees.timing(definition) == "before_submission"


class NoFollowUps(Exception):
    """The application is not the resident's own submitted one, or its procedure declares no follow-ups."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was already used for another request body; nothing was submitted.

    Returning the first application would silently drop the second submission (a client bug that
    reuses keys would lose a resident's application), so the reuse is refused instead.
    """

    def __init__(self, application: Application) -> None:
        super().__init__(application.receipt_number or str(application.public_id))
        self.application = application


def _actor(application: Application) -> str:
    if application.entered_by_id is not None:  # a clerk entered it for the resident: the clerk acted
        return f"user/{application.entered_by.public_id}"  # type: ignore[union-attr]
    return f"user/{application.applicant.public_id}" if application.applicant else "guest"


def start_application(*, procedure: Procedure, user: User | None, guest_key: str = "") -> Application:
    """Open a draft on the procedure's current version; a guest draft is bound to `guest_key`."""
    version = procedure.current_version
    if version is None or not procedure.is_active:
        raise ProcedureUnavailable(procedure.code)
    if user is None and not (version.allows_guest and guest_key):
        raise ProcedureUnavailable(f"{procedure.code} needs sign-in")
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=version,
            applicant=user,
            guest_key="" if user else guest_key,
            classification=version.classification,
        )
        events.record(
            "application.started",
            subject=f"application/{application.public_id}",
            data={"procedure": procedure.code, "version": version.number, "guest": user is None},
            classification=application.classification,
        )
    return application


def start_assisted_application(
    *, procedure: Procedure, clerk: User, channel: str, identity_checked_with: str, email: str = ""
) -> Application:
    """A clerk opens a draft for a resident at the counter or on the phone (窓口・電話での代理入力).

    The clerk then fills in the same form as a resident would (the policy lets the owning department
    edit such a draft, `Application.staff_editable`) and submits it; the channel, the clerk and how
    the resident's identity was confirmed stay on the application, its events and its audit entries.
    The caller (the view) checks that the clerk works in the procedure's department.
    """
    version = procedure.current_version
    if version is None or not procedure.is_active:
        raise ProcedureUnavailable(procedure.code)
    if channel not in ASSISTED_CHANNELS or identity_checked_with not in IdentityDocument.values:
        raise ValueError(f"not an assisted channel or identity document: {channel}, {identity_checked_with}")
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=version,
            applicant=None,
            guest_key="",  # no session can hold it: only the department works on it
            guest_email=email[:254],
            channel=channel,
            entered_by=clerk,
            identity_checked_with=identity_checked_with,
            classification=version.classification,
        )
        events.record(
            "application.started",
            subject=f"application/{application.public_id}",
            data={"procedure": procedure.code, "version": version.number, "guest": False, "channel": channel},
            classification=application.classification,
        )
        audit.record(
            actor=f"user/{clerk.public_id}",
            action="application.assisted_start",
            object_type="application",
            object_id=str(application.public_id),
            data={"procedure": procedure.code, "channel": channel, "identity_checked_with": identity_checked_with},
            classification=application.classification,
        )
    return application


def save_step(*, application: Application, step_id: str, answers: Mapping[str, Any]) -> Application:
    """Merge one step's answers into the draft (saved even when invalid, so nothing typed is lost)."""
    definition = Definition(application.procedure_version.definition)
    step = definition.step(step_id)
    if step is None:
        raise KeyError(step_id)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if not locked.is_draft:
            raise NotADraft(locked.receipt_number)
        merged = {k: v for k, v in locked.answers.items() if k not in step.fields}
        merged.update({k: v for k, v in answers.items() if k in step.fields})
        locked.answers = merged
        locked.last_step = step_id
        locked.save(update_fields=["answers", "last_step", "updated_at"])
        events.record(
            "application.step_saved",
            subject=f"application/{locked.public_id}",
            data={"procedure": definition.data["code"], "step": step_id},
            classification=locked.classification,
        )
    return locked


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    name: str
    size: int
    mime: str
    sha256: str
    upload: UploadedFile


def check_upload(definition: Definition, kind: str, upload: UploadedFile) -> CheckedUpload:
    """Size and the type its bytes reveal (not its name), against the procedure's rule for `kind`."""
    rule = definition.attachment(kind)
    if rule is None:
        raise AttachmentRejected(_("This form has no such attachment."))
    name = (upload.name or "file")[-200:]
    size = upload.size or 0
    if size == 0:
        raise AttachmentRejected(_("%(name)s is empty. Choose the file again.") % {"name": name})
    if size > min(rule.max_mb * 1024 * 1024, settings.UPLOAD_MAX_BYTES):
        raise AttachmentRejected(
            _("%(name)s is larger than %(mb)s MB. Make it smaller and try again.") % {"name": name, "mb": rule.max_mb}
        )
    mime = detect_mime(upload)
    allowed = {m for t in rule.types for m in ALLOWED_MIME[t]}
    if mime not in allowed:
        raise AttachmentRejected(
            _("%(name)s is not a %(types)s file (its content was checked, not its name).")
            % {"name": name, "types": " / ".join(t.upper() for t in rule.types)}
        )
    if mime == "application/pdf" and (problem := pdf.refusal(upload, name)):
        raise AttachmentRejected(problem)  # staff would open it: nothing in it may run (core/pdf.py)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(kind, name, size, mime or "", digest.hexdigest(), upload)


def store_attachment(locked: Application, checked: CheckedUpload) -> Attachment:
    """Write a checked file for a locked application, with its event (in the caller's transaction)."""
    attachment = Attachment(
        application=locked,
        kind=checked.kind,
        original_name=checked.name,
        content_type=checked.mime,
        size=checked.size,
        sha256=checked.sha256,
        classification=locked.classification,
    )
    attachment.file.save(attachment.public_id.hex, checked.upload, save=False)
    attachment.save()
    events.record(
        "application.attachment_added",
        subject=f"application/{locked.public_id}",
        data={
            "attachment": str(attachment.public_id),
            "kind": checked.kind,
            "content_type": checked.mime,
            "size": checked.size,
        },
        classification=locked.classification,
    )
    return attachment


def add_attachment(*, application: Application, kind: str, upload: UploadedFile) -> Attachment:
    """Store one uploaded file on a draft after checking it (check_upload)."""
    definition = Definition(application.procedure_version.definition)
    checked = check_upload(definition, kind, upload)
    rule = definition.attachment(kind)
    assert rule is not None  # check_upload refused unknown kinds
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if not locked.is_draft:
            raise NotADraft(locked.receipt_number)
        if locked.attachments.filter(kind=kind).count() >= rule.max_files:
            raise AttachmentRejected(_("You can attach at most %(n)s files here.") % {"n": rule.max_files})
        attachment = store_attachment(locked, checked)
    return attachment


def remove_attachment(*, attachment: Attachment) -> None:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=attachment.application_id)
        if not locked.is_draft:
            raise NotADraft(locked.receipt_number)
        attachment.file.delete(save=False)
        attachment.delete()


def answer_errors(definition: Definition, answers: Mapping[str, Any], present: set[str]) -> dict[str, str]:
    """Schema errors by field path and missing files by 'attachment:<code>', for answers and the kinds attached."""
    english = is_english()
    errors = validate(definition.schema, answers, english=english)
    for rule in definition.applicable_attachments(answers):
        if rule.required and rule.code not in present:
            errors[f"attachment:{rule.code}"] = _("Attach %(label)s") % {"label": rule.label_in(english)}
    return errors


def completeness_errors(application: Application) -> dict[str, str]:
    """Everything that stops submission: schema errors by field path, missing files by 'attachment:<code>'."""
    definition = Definition(application.procedure_version.definition)
    present = set(application.attachments.values_list("kind", flat=True))
    return answer_errors(definition, definition.prune(application.answers), present)


def submit_application(*, application: Application, submission_key: str, fee_paid: bool = False) -> Application:
    """Submit a draft in one transaction: validate against its frozen version, number it, record it.

    Idempotent: submitting an application that is already submitted returns it unchanged, so a
    double click or a retried request never makes a second application.

    An online application whose fee is paid before submission raises FeeUnpaid unless `fee_paid`
    (civicloop.payments passes it when the provider has captured the fee). Imported channels
    (ぴったりサービス, LoGoフォーム) took the fee in their own system.

    In the transaction: the `application.submitted` event (the outbox row) and the audit entry;
    the event's in-process subscribers open the case (`cases.subscribers`) and seal a 個人番号
    (`classification.subscribers`). Not in it: the receipt notice. After commit the relay hands
    the event to its `notifications` consumer (`notifications.consumer.apply`), which queues the
    `application.received` notice (when the applicant can be reached) in the transaction that
    moves its checkpoint, de-duplicated by the event id; the notice worker then delivers it with
    retries. So the notice is never lost with a committed submission, never queued twice, and a
    mail failure never undoes the submission; without a running relay it waits in the outbox.
    """
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("procedure_version__procedure", "applicant")
            .get(pk=application.pk)
        )
        if not locked.is_draft:
            return locked
        definition = Definition(locked.procedure_version.definition)
        present = set(locked.attachments.values_list("kind", flat=True))
        answers = definition.prune(locked.answers)
        errors = answer_errors(definition, answers, present)
        if errors:
            raise SubmissionInvalid(errors)
        if locked.channel == "online" and fee_before_submission(definition.data) and not fee_paid:
            raise FeeUnpaid
        locked.answers = answers
        locked.submission_key = submission_key[:100] or None
        for attempt in range(3):
            try:
                with transaction.atomic():  # a savepoint: a (1 in 2^40) receipt-number clash retries
                    _file(locked, attachments=len(present))
                break
            except IntegrityError:
                if attempt == 2:
                    raise
    return locked


def _file(application: Application, *, attachments: int) -> None:
    """Number the application and write it with its history line, event and audit entry.

    The new rows (and the case the event's subscribers open) go to the database together at the
    end, in one statement on PostgreSQL (core.insert_batch).
    """
    with insert_batch.collect():
        _record_submission(application, attachments=attachments)


def _record_submission(application: Application, *, attachments: int) -> None:
    now = timezone.now()
    application.status = Application.Status.SUBMITTED
    application.submitted_at = now
    application.receipt_number = new_receipt_number(timezone.localdate(now).year)
    if application.pk is None:
        insert_batch.add(application)
    else:
        application.save()
    insert_batch.add(StatusChange(application=application, status=application.status, at=now))
    version = application.procedure_version
    events.record(
        "application.submitted",
        subject=f"application/{application.public_id}",
        data={
            "procedure": version.procedure.code,
            "version": version.number,
            "department": version.definition["department"],
            "receipt_number": application.receipt_number,
            "channel": application.channel,
            "attachments": attachments,
            # The receipt notice is queued after commit (notifications.consumer); a guest's is in
            # the language of the pages they used.
            "language": "en" if is_english() else "ja",
        },
        classification=application.classification,
        instance=application,
    )
    audit.record(
        actor=_actor(application),
        action="application.submit",
        object_type="application",
        object_id=str(application.public_id),
        data={"receipt_number": application.receipt_number, "procedure": version.procedure.code},
        classification=application.classification,
    )


def submission_digest(procedure_code: str, answers: Mapping[str, Any]) -> str:
    """SHA-256 of the request body in one canonical form: key order and spacing do not matter."""
    body = json.dumps(
        {"procedure": procedure_code, "answers": answers}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(body.encode()).hexdigest()


def submit_from_api(
    *, user: User, procedure: Procedure, answers: Mapping[str, Any], idempotency_key: str
) -> tuple[Application, bool]:
    """Create and submit in one step (API clients); the same key and body return the first result.

    No draft is written: the answers are validated first, then one transaction inserts the
    numbered application, its history line, its event and its audit entry. The same key with
    another body (other answers, another procedure) raises IdempotencyKeyReused.

    The key is not looked up before the insert: a first request (nearly all of them) would pay a
    query for nothing. The unique (applicant, key) constraint refuses the insert of a repeated
    key, and only then is the first application read. A request that would be refused (invalid
    answers, an unavailable procedure) looks the key up first, so a repeat is answered as before.
    """
    digest = submission_digest(procedure.code, answers)
    version = procedure.current_version
    try:
        if problem := storable_problem(answers):
            raise SubmissionInvalid({"__all__": problem})
        if version is None or not procedure.is_active:
            raise ProcedureUnavailable(procedure.code)
        version.procedure = procedure  # already loaded: spare the query
        definition = Definition(version.definition)
        pruned = definition.prune(answers)
        errors = answer_errors(definition, pruned, present=set())
        if errors:
            raise SubmissionInvalid(errors)
        if fee_before_submission(version.definition):
            raise FeeUnpaid  # the API takes no payment: the resident applies on the site and pays there
    except (SubmissionInvalid, ProcedureUnavailable):
        existing = _by_key(user, idempotency_key, digest)
        if existing is not None:
            return existing, False
        raise
    for _attempt in range(3):
        application = Application(
            procedure_version=version,
            applicant=user,
            answers=pruned,
            submission_key=idempotency_key[:100],
            submission_digest=digest,
            classification=version.classification,
        )
        try:
            with transaction.atomic():
                _file(application, attachments=0)
        except IntegrityError:
            # Either a concurrent request with the same key won (return its result) or the
            # receipt number clashed (try again with a new one).
            existing = _by_key(user, idempotency_key, digest)
            if existing is not None:
                return existing, False
            continue
        return application, True
    raise IntegrityError("could not allocate a receipt number")


def file_from_inquiry(
    *, procedure: Procedure, applicant: User | None, guest_key: str, classification: str
) -> Application:
    """File an application that staff open from a resident's inquiry (channel "inquiry").

    Numbered and recorded like any submission in one transaction (its history line, event and
    audit entry; the event's subscribers open the case in the procedure's department), but with
    no answers: the resident asked in their own words, and the clerk gathers what the form needs
    during review (a 補正 asks the resident). The caller (intelligence.actions) checks who may.
    """
    version = procedure.current_version
    if version is None or not procedure.is_active:
        raise ProcedureUnavailable(procedure.code)
    version.procedure = procedure
    for _attempt in range(3):
        application = Application(
            procedure_version=version,
            applicant=applicant,
            guest_key="" if applicant else guest_key,
            answers={},
            channel="inquiry",
            classification=classification,
        )
        try:
            with transaction.atomic():  # a savepoint: a (1 in 2^40) receipt-number clash retries
                _file(application, attachments=0)
        except IntegrityError:
            continue
        return application
    raise IntegrityError("could not allocate a receipt number")


def _by_key(user: User, key: str, digest: str) -> Application | None:
    """The application this user already submitted with `key`, if its body had `digest`.

    Applications submitted before digests were kept have none and are matched by key alone.
    """
    existing = (
        Application.objects.select_related("procedure_version__procedure")
        .filter(applicant=user, submission_key=key)
        .order_by()
        .first()
    )
    if existing is not None and existing.submission_digest and existing.submission_digest != digest:
        raise IdempotencyKeyReused(existing)
    return existing


def start_follow_ups(*, trigger: Application, codes: Iterable[str], user: User) -> list[Application]:
    """Open prefilled drafts of the procedures that follow `trigger`'s life event (ワンスオンリー).

    Each draft takes the answers the catalogue's mapping carries over from `trigger`
    (catalog.followups) and, for the fields it leaves, the sign-in's 基本4情報 (`x-prefill`);
    the resident then confirms or changes them. Idempotent per procedure: one already started
    from `trigger` is returned, never doubled. Records `application.prefilled` with how many
    inputs were filled, the measure of what the resident did not have to type again.
    """
    spec = followups.declared(trigger.procedure_version.definition)
    if spec is None or trigger.is_draft or trigger.applicant_id is None or trigger.applicant_id != user.pk:
        raise NoFollowUps(str(trigger.public_id))
    wanted = [f for f in spec.follow_ups if f.code in set(codes)]
    published = (
        Procedure.objects.published().select_related("current_version").filter(code__in=[f.code for f in wanted])
    )
    procedures = {p.code: p for p in published}
    with transaction.atomic():
        # Two presses of the button start each procedure once: the second waits here, then finds the first's.
        Application.objects.select_for_update().filter(pk=trigger.pk).first()
        existing = {
            a.procedure_version.procedure.code: a
            for a in trigger.followers.select_related("procedure_version__procedure")
        }
        started = []
        for follow_up in wanted:
            if follow_up.code in existing:
                started.append(existing[follow_up.code])
            elif follow_up.code in procedures:
                started.append(_start_follow_up(trigger, follow_up, procedures[follow_up.code], user, spec.life_event))
    return started


def _start_follow_up(
    trigger: Application, follow_up: followups.FollowUp, procedure: Procedure, user: User, life_event: str
) -> Application:
    version = procedure.current_version
    assert version is not None
    definition = Definition(version.definition)
    carried = followups.carry_over(follow_up, trigger.answers, definition.schema)
    identity = Identity.of(user)
    # Whole fields from the sign-in, and never one input of a carried field: a 世帯主's name keeps
    # no furigana of the resident's own.
    from_sign_in = prefill(definition.schema, {}, identity) if identity else {}
    answers = {**{k: v for k, v in from_sign_in.items() if k not in carried}, **carried}
    application = Application.objects.create(
        procedure_version=version,
        applicant=user,
        answers=answers,
        last_step=definition.steps[0].id,
        follows=trigger,
        classification=version.classification,
    )
    subject = f"application/{application.public_id}"
    trigger_code = trigger.procedure_version.procedure.code
    events.record(
        "application.started",
        subject=subject,
        data={"procedure": procedure.code, "version": version.number, "guest": False, "follows": trigger_code},
        classification=application.classification,
    )
    from_answers = followups.count_inputs(carried)
    total = followups.count_inputs(answers)
    events.record(
        "application.prefilled",
        subject=subject,
        data={
            "procedure": procedure.code,
            "life_event": life_event,
            "follows": trigger_code,
            "follows_name_ja": trigger.procedure_version.name_ja,
            "follows_name_en": trigger.procedure_version.name_en,
            "follows_application": str(trigger.public_id),
            "fields": total,
            "from_answers": from_answers,
            "from_sign_in": total - from_answers,
        },
        classification=application.classification,
    )
    return application
