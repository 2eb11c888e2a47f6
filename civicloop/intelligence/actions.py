# SPDX-License-Identifier: MPL-2.0
"""Writes of the intelligence app: inquiries, their routing and re-routing, and model training."""

from collections.abc import Callable
from dataclasses import asdict

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.applications.actions import file_from_inquiry
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification.policy import NO_CONTEXT, Action, Context, NotPermitted, authorise, records_refusals
from civicloop.core import audit, events
from civicloop.core.models import TIER_RANK, Classification
from civicloop.intelligence import routing, training
from civicloop.intelligence.models import Inquiry, RoutingCorrection, RoutingModel, new_reference_number

MAX_TEXT = 4000


class InquiryRejected(Exception):
    """The inquiry cannot be accepted as sent (empty, too long); the message says why."""


class NotAuthorised(NotPermitted):
    """Only the department the inquiry is with (or triage's, before routing) answers or moves it."""


def submit_inquiry(
    *,
    text: str,
    resident: User | None = None,
    guest_key: str = "",
    contact_email: str = "",
    channel: str = Inquiry.Channel.PORTAL,
    registered_by: User | None = None,
    attachment: "UploadedFile[bytes] | None" = None,
) -> Inquiry:
    """Record an inquiry and route it: straight to a department above the threshold, else to triage."""
    text = text.strip()
    if not text:
        raise InquiryRejected("empty")
    if len(text) > MAX_TEXT:
        raise InquiryRejected("too long")
    suggestions = routing.suggest([text])
    suggestion = suggestions[0] if suggestions else None
    with transaction.atomic():
        inquiry = Inquiry(
            text=text,
            resident=resident,
            guest_key="" if resident else guest_key,
            contact_email=contact_email,
            channel=channel,
            registered_by=registered_by,
        )
        if suggestion is not None:
            department = Department.objects.filter(code=suggestion.department).first()
            inquiry.suggested_department = department
            inquiry.confidence = suggestion.confidence
            inquiry.top3 = [list(pair) for pair in suggestion.top3]
            inquiry.explanation = suggestion.explanation
            inquiry.model = suggestion.model
            if suggestion.procedure:
                inquiry.suggested_procedure = Procedure.objects.filter(code=suggestion.procedure).first()
            if department is not None and suggestion.confidence >= settings.ROUTING_THRESHOLD:
                inquiry.department = department
                inquiry.status = Inquiry.Status.ROUTED
        if attachment is not None:
            inquiry.attachment_name = (attachment.name or "file")[-200:]
            inquiry.attachment.save(inquiry.public_id.hex, attachment, save=False)
        _save_with_reference(inquiry)
        events.record(
            "inquiry.received",
            subject=f"inquiry/{inquiry.public_id}",
            data={
                "channel": inquiry.channel,
                "suggested_department": suggestion.department if suggestion else None,
                "confidence": round(suggestion.confidence, 4) if suggestion else None,
                "model_version": suggestion.model.version if suggestion else None,
                "routed_to": inquiry.department.code if inquiry.department else None,
                "status": inquiry.status,
            },
            classification=inquiry.classification,
        )
    return inquiry


def _save_with_reference(inquiry: Inquiry) -> None:
    for attempt in range(3):
        inquiry.reference_number = new_reference_number()
        try:
            with transaction.atomic():  # savepoint: a reference-number clash retries
                inquiry.save()
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _lock_for(inquiry: Inquiry, actor: User, context: Context) -> Inquiry:
    """Lock the inquiry and check that `actor` may work it: its department's staff (or triage's)."""
    locked = Inquiry.objects.select_for_update(of=("self",)).select_related("department").get(pk=inquiry.pk)
    try:
        authorise(actor, Action.WORK, locked, context)
    except NotPermitted as exc:
        raise NotAuthorised(str(exc), refusal=exc.refusal) from exc
    return locked


@records_refusals
def reroute_inquiry(
    *, inquiry: Inquiry, to_department: Department, by: User, reason: str, context: Context = NO_CONTEXT
) -> Inquiry:
    """Move an inquiry to another department; the correction (who, why) feeds the next training."""
    reason = reason.strip()
    if not reason:
        raise InquiryRejected("a reason is required")
    with transaction.atomic():
        locked = _lock_for(inquiry, by, context)
        RoutingCorrection.objects.create(
            inquiry=locked,
            from_department=locked.department,
            to_department=to_department,
            corrected_by=by,
            reason=reason,
        )
        previous = locked.department.code if locked.department else None
        locked.department = to_department
        locked.status = Inquiry.Status.ROUTED
        locked.save(update_fields=["department", "status"])
        events.record(
            "inquiry.rerouted",
            subject=f"inquiry/{locked.public_id}",
            data={
                "from": previous,
                "to": to_department.code,
                "model_suggested": locked.top3[0][0] if locked.top3 else None,
            },
            classification=locked.classification,
        )
        audit.record(
            actor=f"user/{by.public_id}",
            action="inquiry.reroute",
            object_type="inquiry",
            object_id=str(locked.public_id),
            data={"from": previous, "to": to_department.code, "reason": reason},
        )
    return locked


def training_examples() -> tuple[list[training.Example], int]:
    """The shipped set plus every recorded correction (the corrected department wins)."""
    examples = training.load_examples()
    corrections = list(
        RoutingCorrection.objects.select_related("inquiry", "to_department").order_by("inquiry_id", "-at")
    )
    latest: dict[int, RoutingCorrection] = {}
    for correction in corrections:
        latest.setdefault(correction.inquiry_id, correction)
    for correction in latest.values():
        examples.append(training.Example(correction.inquiry.text, correction.to_department.code))
    return examples, len(latest)


def train_routing_model(*, evaluate: bool = True, progress: Callable[[int], None] | None = None) -> RoutingModel:
    """Train a new version on the shipped set and the corrections, evaluate it, and make it active.

    The evaluation is the stratified 5-fold cross-validation on the training examples and, apart from
    it, the held-out questions (`data/routing_heldout.yaml`), which are never trained on.
    """
    examples, corrections = training_examples()
    if not examples:
        raise InquiryRejected("no training examples")
    texts, labels = [e.text for e in examples], [e.department for e in examples]
    evaluation = training.cross_validate(texts, labels, progress=progress) if evaluate else None
    router, seconds = training.timed_train(examples)
    heldout = training.evaluate_heldout(router.department) if evaluate else None
    if progress:
        progress(1)
    calibration = evaluation.calibration if evaluation else None
    with transaction.atomic():
        version = (RoutingModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        RoutingModel.objects.filter(is_active=True).update(is_active=False)
        model = RoutingModel.objects.create(
            version=version,
            train_examples=len(examples),
            corrections_used=corrections,
            cv_macro_f1=evaluation.macro_f1 if evaluation else None,
            cv_top1_accuracy=evaluation.top1_accuracy if evaluation else None,
            cv_top3_accuracy=evaluation.top3_accuracy if evaluation else None,
            cv_brier=calibration.brier if calibration else None,
            cv_ece=calibration.ece if calibration else None,
            heldout_top1_accuracy=heldout.top1_accuracy if heldout else None,
            heldout_top3_accuracy=heldout.top3_accuracy if heldout else None,
            confusion={
                "labels": evaluation.labels,
                "matrix": evaluation.matrix,
                "confused_pairs": evaluation.confused_pairs,
                "reliability": [asdict(b) for b in calibration.bins] if calibration else [],
            }
            if evaluation
            else {},
            train_seconds=seconds,
            artifact=training.dumps(router),
        )
        events.record(
            "routing_model.trained",
            subject=f"routing_model/{version}",
            data={
                "version": version,
                "train_examples": len(examples),
                "corrections": corrections,
                "cv_macro_f1": model.cv_macro_f1,
                "cv_top1_accuracy": model.cv_top1_accuracy,
                "cv_top3_accuracy": model.cv_top3_accuracy,
                "cv_ece": model.cv_ece,
            },
        )
    return model


@records_refusals
def answer_inquiry(*, inquiry: Inquiry, answer: str, by: User, context: Context = NO_CONTEXT) -> Inquiry:
    """Record the department's answer; the resident sees it on their inquiry page."""
    answer = answer.strip()
    if not answer:
        raise InquiryRejected("an answer is required")
    with transaction.atomic():
        locked = _lock_for(inquiry, by, context)
        locked.answer = answer
        locked.answered_at = timezone.now()
        locked.status = Inquiry.Status.ANSWERED
        locked.save(update_fields=["answer", "answered_at", "status"])
        events.record(
            "inquiry.answered",
            subject=f"inquiry/{locked.public_id}",
            data={"department": locked.department.code if locked.department else None},
            classification=locked.classification,
        )
        audit.record(
            actor=f"user/{by.public_id}",
            action="inquiry.answer",
            object_type="inquiry",
            object_id=str(locked.public_id),
        )
    return locked


class CaseAlreadyOpened(InquiryRejected):
    """A case was already opened from this inquiry; the message is its public id."""


@records_refusals
def open_case_from_inquiry(*, inquiry: Inquiry, procedure: Procedure, by: User, context: Context = NO_CONTEXT) -> Case:
    """Turn an inquiry into a case of `procedure`, filed for the resident who asked; linked both ways.

    Only the department the inquiry is with may, and only for one of its own procedures (re-route
    first otherwise). The resident must be reachable as an applicant (an account or a guest key):
    a phone inquiry without either is answered, not filed. The application and case carry the
    higher of the inquiry's and the procedure's classification.
    """
    with transaction.atomic():
        locked = _lock_for(inquiry, by, context)
        if locked.case_id is not None:
            raise CaseAlreadyOpened(str(locked.case_id))
        if locked.department_id is None or procedure.department_id != locked.department_id:
            raise InquiryRejected("the procedure belongs to another department: re-route the inquiry first")
        if locked.resident_id is None and not locked.guest_key:
            raise InquiryRejected("no resident account or guest key to file the application for")
        version = procedure.current_version
        tiers = [
            Classification(locked.classification),
            Classification(version.classification if version else "OFFICIAL"),
        ]
        application = file_from_inquiry(
            procedure=procedure,
            applicant=locked.resident,
            guest_key=locked.guest_key,
            classification=max(tiers, key=lambda tier: TIER_RANK[tier]),
        )
        case = Case.objects.get(application=application)
        locked.case = case
        locked.save(update_fields=["case"])
        events.record(
            "inquiry.case_opened",
            subject=f"inquiry/{locked.public_id}",
            data={"case": str(case.public_id), "department": locked.department_code, "procedure": procedure.code},
            classification=locked.classification,
        )
        audit.record(
            actor=f"user/{by.public_id}",
            action="inquiry.open_case",
            object_type="inquiry",
            object_id=str(locked.public_id),
            data={"case": str(case.public_id), "procedure": procedure.code},
        )
    return case
