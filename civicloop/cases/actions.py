# SPDX-License-Identifier: MPL-2.0
"""Writes on the back-office side. Lock order, where several rows are locked: case, then application.

Each action locks the case row, checks under the lock that the actor may work the case (the one
policy's WORK action: the owning department, clearance and a device that reach its tier, no
oversight role; else NotAuthorised, nothing changed) and that the case's process is waiting for the
step the action completes (else IllegalTransition, nothing changed), and completes that step of the
BPMN process (civicloop.cases.workflow). Two clerks acting at once: the second waits for the lock,
then finds the step gone and gets the named error; there is never a last write that wins.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicloop.accounts.models import POSITION_RANK, Department, Position, User
from civicloop.applications.actions import AttachmentRejected, CheckedUpload, check_upload, store_attachment
from civicloop.applications.models import Application, StatusChange
from civicloop.cases import workflow
from civicloop.cases.approval import route_for
from civicloop.cases.models import ApprovalStep, Case, CaseComment, CaseTask, Consultation, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.classification.policy import (
    NO_CONTEXT,
    Action,
    Context,
    DeviceTrust,
    NotPermitted,
    authorise,
    evaluate,
    records_refusals,
)
from civicloop.core import audit, events
from civicloop.core.calendar import add_business_days, business_days_between, due_date


class CaseAlreadyClaimed(Exception):
    """Someone else claimed the case first; nothing was changed."""


class IllegalTransition(Exception):
    """The case is not in a state that allows this step (e.g. approving a closed case)."""


class NotAuthorised(NotPermitted):
    """This person may not take this step (another department, an oversight role, approving above
    their rank); nothing was changed."""


class CorrectionInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# -- the process ----------------------------------------------------------------------------------


def open_case(*, application: Application) -> Case:
    """Open the case for a submitted application in its department, with the due date of its period.

    Runs inside the submission's transaction (as a subscriber of `application.submitted`), so an
    application is never acknowledged without its case. Starts the procedure's BPMN process.
    """
    version = application.procedure_version
    processing = version.definition["processing"]
    arrived = application.submitted_at or timezone.now()
    process = workflow.start(version.definition["workflow"], {})
    waiting = workflow.waiting_for(process)
    case = Case.objects.create(
        application=application,
        department_id=version.procedure.department_id,
        arrived_at=arrived,
        due_date=due_date(timezone.localdate(arrived), processing["days"], processing["day_kind"]),
        classification=application.classification,
        workflow=version.definition["workflow"],
        workflow_state=workflow.dump(process),
        step=waiting[0] if waiting else "",
        step_started_at=arrived,
    )
    if waiting:
        CaseTask.objects.create(case=case, name=waiting[0], started_at=arrived)
    events.record(
        "case.opened",
        subject=f"case/{case.public_id}",
        data={
            "application": str(application.public_id),
            "department": version.definition["department"],
            "procedure": version.procedure.code,
            "due_date": case.due_date.isoformat(),
            "workflow": case.workflow,
        },
        classification=case.classification,
    )
    return case


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("department").get(pk=case.pk)


def _authorise(actor: User, obj: Any, context: Context) -> None:
    """The policy's WORK check, under the row lock: the label and the department are read as locked."""
    try:
        authorise(actor, Action.WORK, obj, context)
    except NotPermitted as exc:
        raise NotAuthorised(str(exc), refusal=exc.refusal) from exc


def _lock_for(case: Case, actor: User, context: Context) -> Case:
    """Lock the case and check that `actor` may work it. Every staff step starts here."""
    locked = _lock(case)
    _authorise(actor, locked, context)
    return locked


def _procedure_code(case: Case) -> str:
    return str(
        Application.objects.filter(pk=case.application_id).values_list("procedure_version__procedure__code", flat=True)[
            0
        ]
    )


def _advance(
    case: Case,
    task: str,
    actor: User | None,
    *,
    result: str = "",
    comment: str = "",
    data: dict[str, str] | None = None,
) -> list[str]:
    """Complete `task` of the locked case's process and open the task it waits on next."""
    if case.status == Case.Status.CLOSED or case.step != task:
        raise IllegalTransition(f"the case is at {case.step or 'the end'!r}, not {task!r}")
    process = (
        workflow.load(case.workflow_state)
        if case.workflow_state
        else workflow.start(case.workflow or "application", {})
    )
    try:
        waiting = workflow.complete(process, task, **(data or {}))
    except workflow.WorkflowError as exc:
        raise IllegalTransition(str(exc)) from exc
    now = timezone.now()
    open_task = CaseTask.objects.filter(case=case, name=task, completed_at__isnull=True).first()
    started = open_task.started_at if open_task else (case.step_started_at or now)
    if open_task is None:
        open_task = CaseTask(case=case, name=task, started_at=started)
    open_task.completed_at = now
    open_task.completed_by = actor
    open_task.outcome = result
    open_task.comment = comment
    open_task.save()
    case.workflow_state = workflow.dump(process)
    case.step = waiting[0] if waiting else ""
    case.step_started_at = now
    case.save(update_fields=["workflow_state", "step", "step_started_at"])
    if waiting:
        CaseTask.objects.create(case=case, name=waiting[0], started_at=now)
    events.record(
        "case.task_completed",
        subject=f"case/{case.public_id}",
        data={
            "task_id": str(open_task.task_id),
            "task": task,
            "outcome": result,
            "department": case.department.code,
            "procedure": _procedure_code(case),
            "started_at": started.isoformat(),
            "duration_s": round((now - started).total_seconds(), 3),
            "next": case.step,
        },
        classification=case.classification,
    )
    return waiting


def _audit(actor: User, action: str, case: Case, data: dict[str, Any] | None = None) -> None:
    audit.record(
        actor=f"user/{actor.public_id}",
        action=action,
        object_type="case",
        object_id=str(case.public_id),
        data=data or {},
        classification=case.classification,
    )


def _set_application_status(case: Case, status: str, note: str = "", *, at: datetime | None = None) -> None:
    application = Application.objects.select_for_update().get(pk=case.application_id)
    if application.status == status:
        return
    application.status = status
    application.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(
        application=application, status=status, note_ja=note[:500], note_en=note[:500], at=at or timezone.now()
    )


def _in_department(user: User, case: Case) -> bool:
    return user.is_staff_member and user.departments.filter(pk=case.department_id).exists()


# -- intake and assignment ------------------------------------------------------------------------


# Whether an assignee could work a case is judged as if from the best device they could use.
ASSIGNEE_CONTEXT = Context(device_trust=DeviceTrust.MANAGED)


@records_refusals
def claim_case(*, case: Case, clerk: User, context: Context = NO_CONTEXT) -> Case:
    """Take an unassigned case (受付). Two clerks at once: one wins, the other gets CaseAlreadyClaimed."""
    with transaction.atomic():
        locked = _lock_for(case, clerk, context)
        if locked.assignee_id is not None and locked.assignee_id != clerk.pk:
            raise CaseAlreadyClaimed(str(locked.public_id))
        if locked.status == Case.Status.CLOSED:
            raise IllegalTransition("the case is closed")
        if locked.assignee_id == clerk.pk and locked.step != "intake":
            return locked
        locked.assignee = clerk
        if locked.status == Case.Status.NEW:
            locked.status = Case.Status.IN_REVIEW
        locked.save(update_fields=["assignee", "status"])
        if locked.step == "intake":
            _advance(locked, "intake", clerk, result="claimed")
        # The resident sees progress (行政手続法9条): received → under review.
        if Application.objects.filter(pk=locked.application_id, status=Application.Status.SUBMITTED).exists():
            _set_application_status(locked, Application.Status.IN_REVIEW)
        events.record(
            "case.claimed",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code, "assignee": str(clerk.public_id)},
            classification=locked.classification,
        )
        _audit(clerk, "case.claim", locked)
    return locked


@records_refusals
def assign_cases(*, cases: Sequence[Case], by: User, assignee: User, context: Context = NO_CONTEXT) -> int:
    """Assign (or reassign) cases to a member of their department; 係長 and above only.

    All or nothing: if one case may not be assigned, none is. Returns how many were assigned.
    """
    if POSITION_RANK[by.position] < POSITION_RANK[Position.KAKARICHO]:
        raise NotAuthorised("only a section chief (係長) or above assigns cases")
    with transaction.atomic():
        locked = list(
            Case.objects.select_for_update()
            .select_related("department")
            .filter(pk__in=[c.pk for c in cases])
            .order_by("pk")
        )
        # Two queries for the whole batch, not two per case.
        both = set(by.departments.values_list("pk", flat=True)) & set(assignee.departments.values_list("pk", flat=True))
        for case in locked:
            if case.status == Case.Status.CLOSED:
                raise IllegalTransition(f"case {case.public_id} is closed")
            if not (by.is_staff_member and assignee.is_staff_member and case.department_id in both):
                raise NotAuthorised(f"case {case.public_id}: both people must belong to its department")
            _authorise(by, case, context)
            # The assignee is not at a device now: they must be able to work it from a managed one.
            if not evaluate(assignee, Action.WORK, case, ASSIGNEE_CONTEXT).allowed:
                raise NotAuthorised(f"case {case.public_id}: the assignee may not work a case of this label")
        for case in locked:
            if case.assignee_id == assignee.pk:
                continue
            previous = case.assignee_id
            case.assignee = assignee
            case.save(update_fields=["assignee"])
            events.record(
                "case.assigned",
                subject=f"case/{case.public_id}",
                data={
                    "department": case.department.code,
                    "reassigned": previous is not None,
                    "assignee": str(assignee.public_id),
                },
                classification=case.classification,
            )
            _audit(by, "case.assign", case, {"assignee": str(assignee.public_id)})
    return len(locked)


@records_refusals
def add_comment(*, case: Case, author: User, body: str, context: Context = NO_CONTEXT) -> CaseComment:
    """An internal comment on the case (never shown to the resident); kept, never edited."""
    body = body.strip()
    if not body:
        raise CorrectionInvalid({"body": "write the comment"})
    with transaction.atomic():
        locked = _lock_for(case, author, context)
        comment = CaseComment.objects.create(
            case=locked,
            author=author,
            body=body[:5000],
            created_at=timezone.now(),
            classification=locked.classification,
        )
        events.record(
            "case.commented",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code},
            classification=locked.classification,
        )
        _audit(author, "case.comment", locked, {"comment": comment.pk})
    return comment


# -- review, inspection, 補正 ---------------------------------------------------------------------


@records_refusals
def record_inspection(*, case: Case, clerk: User, comment: str, context: Context = NO_CONTEXT) -> Case:
    """現地調査: the clerk records what the on-site inspection found."""
    comment = comment.strip()
    if not comment:
        raise CorrectionInvalid({"comment": "record what the inspection found"})
    with transaction.atomic():
        locked = _lock_for(case, clerk, context)
        _advance(locked, "inspection", clerk, result="inspected", comment=comment)
        _audit(clerk, "case.inspection", locked)
    return locked


@records_refusals
def request_correction(
    *, case: Case, clerk: User, fields: list[str], attachments: list[str], reason: str, context: Context = NO_CONTEXT
) -> CorrectionRequest:
    """Send a 補正 request naming the answers (and documents) to fix; pauses the processing period."""
    reason = reason.strip()
    with transaction.atomic():
        locked = _lock_for(case, clerk, context)
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
            raise CorrectionInvalid({"correction": "name at least one answer or document of this form, and the reason"})
        _advance(locked, "review", clerk, result="correction", comment=reason, data={"route": "correction"})
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
        _set_application_status(locked, Application.Status.CORRECTION_REQUESTED, reason)
        events.record(
            "case.correction_requested",
            subject=f"case/{locked.public_id}",
            data={"fields": fields, "attachments": attachments, "department": definition.data["department"]},
            classification=locked.classification,
        )
        _audit(clerk, "case.request_correction", locked, {"fields": fields, "attachments": attachments})
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
        label = rule.label_in((get_language() or "ja").startswith("en"))
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
        raise CorrectionInvalid(errors)
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
            raise CorrectionInvalid(errors)
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
        _advance(case, "correction", None, result="resubmitted")
        if set(request.attachments) != {c.kind for c in replacements}:
            raise IllegalTransition("the request changed while the files were being checked")
        locked.attachments.filter(kind__in=request.attachments, superseded_at__isnull=True).update(superseded_at=now)
        for checked in replacements:
            store_attachment(locked, checked)
        locked.answers = merged
        locked.status = Application.Status.IN_REVIEW
        locked.save(update_fields=["answers", "status", "updated_at"])
        StatusChange.objects.create(application=locked, status=locked.status, at=now)
        changed = sorted(k for k in request.fields if before.get(k) != merged.get(k))
        audit.record(
            actor=f"user/{resident.public_id}",
            action="application.correct",
            object_type="application",
            object_id=str(locked.public_id),
            data={"fields": request.fields, "changed": changed, "attachments": request.attachments},
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


# -- 起案, 合議 and 決裁 --------------------------------------------------------------------------

PROPOSALS = {"approve", "reject"}


def _check_proposal(case: Case, outcome: str, reason: str) -> str:
    # The version's own `kind` column: reading the whole frozen definition for one word is wasteful.
    kind = Application.objects.filter(pk=case.application_id).values_list("procedure_version__kind", flat=True)[0]
    if kind == "notification":
        if outcome not in {"accept", "reject"}:
            raise CorrectionInvalid({"outcome": "accept or reject the notification"})
    elif outcome not in PROPOSALS:
        raise CorrectionInvalid({"outcome": "approve or reject"})
    if outcome == "reject" and not reason:
        raise CorrectionInvalid({"reason": "a refusal must state its reasons (行政手続法8条)"})
    return str(kind)


@records_refusals
def submit_review(
    *, case: Case, clerk: User, outcome: str, reason: str = "", comment: str = "", context: Context = NO_CONTEXT
) -> Case:
    """Finish 審査 (or a 届出's 確認) with the drafted decision (起案); the 決裁 route starts.

    A refusal needs its reasons, which the resident will read (行政手続法8条).
    """
    reason = reason.strip()
    with transaction.atomic():
        locked = _lock_for(case, clerk, context)
        if locked.step != "review" or locked.status == Case.Status.CLOSED:
            raise IllegalTransition(locked.step or locked.status)
        _check_proposal(locked, outcome, reason)
        if locked.assignee_id not in {None, clerk.pk}:
            raise NotAuthorised("only the assigned clerk drafts the decision")
        locked.proposed_outcome = outcome
        locked.proposal_reason = reason
        locked.save(update_fields=["proposed_outcome", "proposal_reason"])
        waiting = _advance(
            locked, "review", clerk, result=outcome, comment=comment, data={"route": "approve", "outcome": outcome}
        )
        _audit(clerk, "case.draft_decision", locked, {"outcome": outcome})
        _after_step(locked, waiting, clerk)
    return locked


@records_refusals
def request_consultation(
    *,
    case: Case,
    clerk: User,
    departments: Iterable[Department],
    question: str,
    outcome: str,
    reason: str = "",
    context: Context = NO_CONTEXT,
) -> list[Consultation]:
    """起案 with 合議: the draft goes to other departments for their opinions, in parallel, before 決裁."""
    question, reason = question.strip(), reason.strip()
    targets = [d for d in departments]
    with transaction.atomic():
        locked = _lock_for(case, clerk, context)
        if locked.step != "review" or locked.status == Case.Status.CLOSED:
            raise IllegalTransition(locked.step or locked.status)
        _check_proposal(locked, outcome, reason)
        if not question or not targets or any(d.pk == locked.department_id for d in targets):
            raise CorrectionInvalid({"consultation": "choose other departments and write the question"})
        locked.proposed_outcome = outcome
        locked.proposal_reason = reason
        locked.save(update_fields=["proposed_outcome", "proposal_reason"])
        _advance(
            locked, "review", clerk, result=outcome, comment=question, data={"route": "consult", "outcome": outcome}
        )
        now = timezone.now()
        consultations = [
            Consultation.objects.create(
                case=locked, department=d, question=question, requested_by=clerk, requested_at=now
            )
            for d in targets
        ]
        events.record(
            "case.consultation_requested",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code, "consulted": sorted(d.code for d in targets)},
            classification=locked.classification,
        )
        _audit(clerk, "case.request_consultation", locked, {"consulted": sorted(d.code for d in targets)})
    return consultations


@records_refusals
def answer_consultation(
    *, consultation: Consultation, staff: User, opinion: str, comment: str = "", context: Context = NO_CONTEXT
) -> Consultation:
    """A consulted department's opinion. When the last one answers, the draft moves on to 決裁."""
    comment = comment.strip()
    if opinion not in Consultation.Opinion.values:
        raise CorrectionInvalid({"opinion": "agree, agree with comments, or disagree"})
    if opinion != Consultation.Opinion.AGREE and not comment:
        raise CorrectionInvalid({"comment": "say what the comments or the objection are"})
    with transaction.atomic():
        locked = _lock(consultation.case)
        answer = Consultation.objects.select_for_update().select_related("department").get(pk=consultation.pk)
        # The consulted department works the consultation (it carries that department and the case's label).
        _authorise(staff, answer, context)
        if answer.answered_at is not None or locked.step != "consultation":
            raise IllegalTransition("this consultation was already answered")
        answer.opinion = opinion
        answer.comment = comment
        answer.answered_by = staff
        answer.answered_at = timezone.now()
        answer.save(update_fields=["opinion", "comment", "answered_by", "answered_at"])
        events.record(
            "case.consultation_answered",
            subject=f"case/{locked.public_id}",
            data={"department": answer.department.code, "opinion": opinion},
            classification=locked.classification,
        )
        _audit(staff, "case.answer_consultation", locked, {"department": answer.department.code, "opinion": opinion})
        if not locked.consultations.filter(answered_at__isnull=True).exists():
            waiting = _advance(locked, "consultation", staff, result="answered")
            _after_step(locked, waiting, staff)
    return answer


def _start_approval_round(case: Case) -> list[ApprovalStep]:
    application = Application.objects.select_related("procedure_version").get(pk=case.application_id)
    definition = application.procedure_version.definition
    route = route_for(definition["code"], definition["kind"], application.answers)
    last = case.approval_steps.order_by("-round").values_list("round", flat=True).first() or 0
    now = timezone.now()
    steps = [
        ApprovalStep.objects.create(
            case=case,
            round=last + 1,
            order=i,
            level=level,
            status=ApprovalStep.Status.PENDING if i == 0 else ApprovalStep.Status.WAITING,
            created_at=now,
            pending_since=now if i == 0 else None,
        )
        for i, level in enumerate(route.levels)
    ]
    if steps:
        _record_pending(case, steps[0])
    return steps


def _record_pending(case: Case, step: ApprovalStep) -> None:
    """A rank of the route now waits: its approvers hear of it (notifications subscribes)."""
    events.record(
        "case.approval_pending",
        subject=f"case/{case.public_id}",
        data={"level": step.level, "round": step.round, "order": step.order, "department": case.department.code},
        classification=case.classification,
    )


def _after_step(case: Case, waiting: list[str], actor: User) -> None:
    """Steps civicloop takes by itself: build the 決裁 route on arrival, and issue the result."""
    # An empty route: the 専決規程 says the clerk's draft needs no further approval.
    if waiting == ["approval"] and not _start_approval_round(case):
        waiting = _advance(case, "approval", actor, result="approved", data={"approval": "approved"})
    if waiting == ["notify"]:
        _finalise(case, actor)


def _may_approve(user: User, step: ApprovalStep, case: Case, today: Any) -> tuple[bool, bool, str]:
    """(allowed, as 代決, why not). The drafter and anyone who already acted in the round may not."""
    if not _in_department(user, case):
        return False, False, "not a member of the case's department"
    drafter = CaseTask.objects.filter(case=case, name="review", completed_at__isnull=False).order_by("-pk").first()
    if drafter and drafter.completed_by_id == user.pk:
        return False, False, "the drafter does not approve their own draft"
    if ApprovalStep.objects.filter(case=case, round=step.round, acted_by=user).exists():
        return False, False, "one person approves once per route"
    if user.position == step.level:
        return True, False, ""
    holders = User.objects.filter(departments=case.department_id, position=step.level, is_active=True)
    present = [h for h in holders if not (h.absent_until and h.absent_until >= today)]
    rank, needed = POSITION_RANK[user.position], POSITION_RANK[step.level]
    if not present and POSITION_RANK[Position.KAKARICHO] <= rank < needed:
        return True, True, ""
    return False, False, "the approval needs another rank"


def pending_step(case: Case) -> ApprovalStep | None:
    return case.approval_steps.filter(status=ApprovalStep.Status.PENDING).order_by("-round", "order").first()


def approvers_for(case: Case, step: ApprovalStep) -> list[User]:
    """The staff of the case's department who may act on `step` now (the rank, or 代決 when it is away)."""
    today = timezone.localdate()
    members = User.objects.filter(departments=case.department_id, kind=User.Kind.STAFF, is_active=True).distinct()
    return [user for user in members.order_by("pk") if _may_approve(user, step, case, today)[0]]


def can_approve(user: User, case: Case) -> tuple[bool, bool]:
    """Whether `user` may act on the case's pending approval step now, and whether as 代決."""
    step = pending_step(case) if case.step == "approval" else None
    if step is None:
        return False, False
    allowed, proxy, _why = _may_approve(user, step, case, timezone.localdate())
    return allowed, proxy


@records_refusals
def act_on_approval(
    *, case: Case, approver: User, decision: str, comment: str = "", context: Context = NO_CONTEXT
) -> ApprovalStep:
    """決裁: approve the pending step of the route, or return the draft for rework (差戻し).

    Serial: each rank in turn. 代決 when every holder of the rank is absent: a lower rank (係長 or
    above) decides, and the step waits for the absent approver's 後閲.
    """
    comment = comment.strip()
    if decision not in {"approve", "return"}:
        raise CorrectionInvalid({"decision": "approve or return"})
    if decision == "return" and not comment:
        raise CorrectionInvalid({"comment": "say why the draft goes back"})
    with transaction.atomic():
        locked = _lock_for(case, approver, context)
        if locked.step != "approval" or locked.status == Case.Status.CLOSED:
            raise IllegalTransition(locked.step or locked.status)
        pending = pending_step(locked)
        if pending is None:
            raise IllegalTransition("no approval step is pending")
        step = ApprovalStep.objects.select_for_update().get(pk=pending.pk)
        now = timezone.now()
        allowed, proxy, why = _may_approve(approver, step, locked, timezone.localdate(now))
        if not allowed:
            raise NotAuthorised(why)
        step.status = ApprovalStep.Status.APPROVED if decision == "approve" else ApprovalStep.Status.RETURNED
        step.acted_by = approver
        step.acted_at = now
        step.comment = comment
        step.proxy = proxy
        step.save(update_fields=["status", "acted_by", "acted_at", "comment", "proxy"])
        waited = (now - (step.pending_since or step.created_at)).total_seconds()
        events.record(
            "case.approval_step",
            subject=f"case/{locked.public_id}",
            data={
                "level": step.level,
                "outcome": step.status,
                "proxy": proxy,
                "waited_s": round(waited, 3),
                "department": locked.department.code,
                "procedure": _procedure_code(locked),
            },
            classification=locked.classification,
        )
        _audit(approver, "case.approval", locked, {"level": step.level, "decision": decision, "proxy": proxy})
        following = locked.approval_steps.filter(round=step.round, order__gt=step.order).order_by("order")
        if decision == "return":
            for later in following:
                later.status = ApprovalStep.Status.CANCELLED
                later.save(update_fields=["status"])
            _advance(locked, "approval", approver, result="returned", comment=comment, data={"approval": "returned"})
        elif (upcoming := following.first()) is not None:
            upcoming.status = ApprovalStep.Status.PENDING
            upcoming.pending_since = now
            upcoming.save(update_fields=["status", "pending_since"])
            _record_pending(locked, upcoming)
        else:
            waiting = _advance(locked, "approval", approver, result="approved", data={"approval": "approved"})
            _after_step(locked, waiting, approver)
    return step


@records_refusals
def post_review(
    *, step: ApprovalStep, reviewer: User, comment: str = "", context: Context = NO_CONTEXT
) -> ApprovalStep:
    """後閲: the absent approver reviews a step taken by 代決, after the fact. Once."""
    with transaction.atomic():
        _lock_for(step.case, reviewer, context)
        locked = ApprovalStep.objects.select_for_update().select_related("case__department").get(pk=step.pk)
        if not locked.awaits_post_review:
            raise IllegalTransition("this step does not await 後閲")
        if reviewer.position != locked.level or not _in_department(reviewer, locked.case):
            raise NotAuthorised("後閲 is for the rank the 代決 stood in for")
        locked.post_reviewed_by = reviewer
        locked.post_reviewed_at = timezone.now()
        locked.post_review_comment = comment.strip()
        locked.save(update_fields=["post_reviewed_by", "post_reviewed_at", "post_review_comment"])
        events.record(
            "case.post_reviewed",
            subject=f"case/{locked.case.public_id}",
            data={"level": locked.level, "department": locked.case.department.code},
            classification=locked.case.classification,
        )
        _audit(reviewer, "case.post_review", locked.case, {"level": locked.level})
    return locked


@records_refusals
def confirm_fee(*, case: Case, clerk: User, comment: str = "", context: Context = NO_CONTEXT) -> Case:
    """手数料納付: the fee was paid; the result goes out."""
    with transaction.atomic():
        locked = _lock_for(case, clerk, context)
        waiting = _advance(locked, "fee", clerk, result="paid", comment=comment.strip())
        _audit(clerk, "case.fee_paid", locked)
        _after_step(locked, waiting, clerk)
    return locked


# -- results --------------------------------------------------------------------------------------

RESULT_STATUS = {
    "approve": Application.Status.APPROVED,
    "reject": Application.Status.REJECTED,
    "accept": Application.Status.COMPLETED,
}
RESULT_DOCUMENTS = {"approve": "decision_notice", "reject": "refusal_notice", "accept": "acceptance_notice"}
# Issues the signed result (civicloop.documents); a setting-free seam so tests and the workflow
# benchmark can run the process with or without rendering PDFs.
ISSUE_RESULT = "civicloop.documents.issue.issue_document"


def issue_result(case: Case, actor: User) -> Any:
    """Render and sign the result document of the decided case (許可書, 決定通知書 …)."""
    issue = import_string(ISSUE_RESULT)
    return issue(
        case,
        kind=RESULT_DOCUMENTS[case.proposed_outcome],
        issued_by=actor,
        outcome=case.proposed_outcome,
        reason=case.decision_reason,
    )


def _finalise(case: Case, actor: User) -> None:
    """結果通知: the approved draft becomes the decision; the case closes and the result is issued."""
    outcome = case.proposed_outcome or "approve"
    _advance(case, "notify", actor, result=outcome)
    _close(
        locked=case,
        actor=actor,
        status=RESULT_STATUS[outcome],
        reason=case.proposal_reason,
        event="case.decided",
        outcome=outcome,
    )
    issue_result(case, actor)


def withdraw_application(*, application: Application, resident: User) -> Case:
    """The resident withdraws (取下げ) an application that has not been decided; the process stops."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("department").get(application_id=application.pk)
        if application.applicant_id is None or application.applicant_id != resident.pk:
            raise NotAuthorised("only the applicant withdraws an application")
        if locked.status == Case.Status.CLOSED:
            raise IllegalTransition("the case is already closed")
        now = timezone.now()
        CaseTask.objects.filter(case=locked, completed_at__isnull=True).update(completed_at=now, outcome="withdrawn")
        locked.approval_steps.filter(status__in=[ApprovalStep.Status.PENDING, ApprovalStep.Status.WAITING]).update(
            status=ApprovalStep.Status.CANCELLED
        )
        if locked.workflow_state:
            process = workflow.load(locked.workflow_state)
            process.cancel()
            locked.workflow_state = workflow.dump(process)
        locked.step = ""
        locked.save(update_fields=["workflow_state", "step"])
        _close(
            locked=locked,
            actor=resident,
            status=Application.Status.WITHDRAWN,
            reason="",
            event="case.withdrawn",
            outcome="withdrawn",
        )
    return locked


def _close(*, locked: Case, actor: User, status: str, reason: str, event: str, outcome: str) -> None:
    now = timezone.now()
    locked.status = Case.Status.CLOSED
    locked.decision_reason = reason
    locked.closed_at = now
    locked.save(update_fields=["status", "decision_reason", "closed_at"])
    locked.corrections.filter(resolved_at__isnull=True).update(resolved_at=now)
    _set_application_status(locked, status, reason, at=now)
    events.record(
        event,
        subject=f"case/{locked.public_id}",
        data={"outcome": outcome, "department": locked.department.code, "overdue": now.date() > locked.due_date},
        classification=locked.classification,
    )
    _audit(actor, event, locked, {"outcome": outcome})
