# SPDX-License-Identifier: MPL-2.0
"""Notices for the events residents and staff care about, queued inside the transaction that recorded them.

Each subscriber looks its objects up by the event's subject, decides who hears of it (the
signed-in applicant, or the email address a guest gave), and calls `notify` with the event id
as the de-duplication key: a redelivered event queues nothing new. The context holds what the
notice needs — numbers, names of procedures and items, links — never the applicant's answers.
"""

import logging
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from civicloop.accounts.models import Position, User
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.cases.queries import ASSIGNEE_CONTEXT, approvers_for
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import field_specs
from civicloop.classification.policy import Action, evaluate
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.documents.subscribers import RESULT_DOCUMENTS
from civicloop.intelligence.models import Inquiry
from civicloop.notifications.actions import Notice, notify

logger = logging.getLogger(__name__)

# The documents that state a case's decision: their `document.issued` is the result notice.
RESULT_KINDS = frozenset(RESULT_DOCUMENTS.values())


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _applicant(application: Application) -> User | str | None:
    """Who hears about an application: its signed-in applicant, else the guest's email, else nobody."""
    if application.applicant is not None:
        return application.applicant
    return application.guest_email or None


def _about_application(application: Application) -> dict[str, Any]:
    """What every application notice says: the procedure, the receipt number and, for accounts, a link."""
    version = application.procedure_version
    return {
        "procedure": {"ja": version.name_ja, "en": version.name_en},
        "receipt_number": application.receipt_number,
        # A guest's application page opens only in the browser session that made it: no link.
        "application_url": _absolute(reverse("applications:application-detail", args=[application.public_id]))
        if application.applicant_id
        else "",
    }


def _case(subject_or_id: str) -> Case:
    return Case.objects.select_related("department", "application__applicant", "application__procedure_version").get(
        public_id=subject_or_id.removeprefix("case/")
    )


def _notify_applicant(
    event: Event,
    application: Application,
    code: str,
    extra: dict[str, Any],
    department: str,
    *,
    dedupe_key: str = "",
) -> None:
    recipient = _applicant(application)
    if recipient is None:
        return
    notify(
        recipient,
        code,
        {**_about_application(application), **extra},
        subject=event.subject,
        classification=event.classification,
        dedupe_key=dedupe_key or f"event/{event.id}",
        department=department,
    )


def _result_key(case: Case) -> str:
    """One result notice per case, whatever delivers its document's event again."""
    return f"result/case/{case.public_id}"


def receipt_notice(event: Event, application: Application) -> Notice | None:
    """The `application.received` notice of a submission (queued by the relay: consumer.py), if anyone hears it."""
    recipient = _applicant(application)
    if recipient is None:
        return None
    return Notice(
        recipient,
        "application.received",
        _about_application(application),
        subject=event.subject,
        dedupe_key=f"event/{event.id}",
        classification=event.classification,
        department=str(event.data.get("department", "")),
        # A guest's notice is in the language of the pages they used (an account's: its preference).
        language=None if isinstance(recipient, User) else str(event.data.get("language") or "ja"),
    )


@events.subscribe("case.correction_requested")
def correction_requested(event: Event) -> None:
    case = _case(event.subject)
    application = case.application
    request = case.corrections.order_by("-requested_at", "-pk").first()
    definition = Definition(application.procedure_version.definition)
    fields = list(event.data.get("fields", []))
    items = [{"ja": spec.title_ja, "en": spec.title_en} for spec in field_specs(definition.schema, fields)]
    for code in event.data.get("attachments", []):
        rule = definition.attachment(code)
        if rule is not None:
            items.append({"ja": rule.label_in(False), "en": rule.label_in(True)})
    extra = {
        "items": items,
        "reason": request.reason if request else "",
        "correction_url": _absolute(reverse("cases:correction-resubmit", args=[application.public_id])),
    }
    _notify_applicant(event, application, "case.correction_requested", extra, case.department.code)


@events.subscribe("payment.requested")
def payment_requested(event: Event) -> None:
    """手数料納付: the resident hears the amount and where to pay (civicloop.payments records it).
    A fee paid before submission has no case yet and no notice: the resident is on its page."""
    if "case" not in event.data:
        return
    case = _case(str(event.data["case"]))
    extra = {"amount_yen": f"{int(event.data['amount_yen']):,}"}
    _notify_applicant(event, case.application, "payment.requested", extra, case.department.code)


@events.subscribe("payment.captured")
def payment_received(event: Event) -> None:
    """The fee was received (online, by the provider's capture, or at the counter as the clerk
    recorded it): the resident hears the amount, the 領収番号 and where the 領収書 is."""
    application = _application(event)
    extra = {
        "amount_yen": f"{int(event.data['amount_yen']):,}",
        "payment_receipt_number": str(event.data.get("receipt_number") or ""),
        "receipt_url": _absolute(reverse("payments:receipt-download", args=[application.public_id]))
        if application.applicant_id
        else "",
    }
    _notify_applicant(event, application, "payment.received", extra, application.department_code)


@events.subscribe("payment.captured_twice")
def payment_paid_twice(event: Event) -> None:
    """The resident paid a fee already paid: they hear that the second payment was received and
    will be given back, so they neither pay a third time nor wonder where the money went."""
    application = _application(event)
    extra = {"received_yen": f"{int(event.data.get('received_yen') or 0):,}"}
    _notify_applicant(event, application, "payment.paid_twice", extra, application.department_code)


@events.subscribe("payment.refunded")
def payment_refunded(event: Event) -> None:
    """Money was given back (part or all of the fee, or a second payment): how much, and how it
    reaches the resident (to the card or account they paid with, in cash at the counter, or by
    transfer). The clerk's reason stays in the audit entry, as on the event."""
    application = _application(event)
    extra = {
        "refunded_yen": f"{int(event.data['refunded_yen']):,}",
        "method": str(event.data.get("method") or "provider"),
        "duplicate": bool(event.data.get("duplicate")),
    }
    _notify_applicant(event, application, "payment.refunded", extra, application.department_code)


def _application(event: Event) -> Application:
    return Application.objects.select_related("applicant", "procedure_version__procedure__department").get(
        public_id=str(event.data["application"])
    )


@events.subscribe("case.withdrawn")
def case_withdrawn(event: Event) -> None:
    case = _case(event.subject)
    _notify_applicant(event, case.application, "case.withdrawn", {}, case.department.code)


@events.subscribe("document.issued")
def document_issued(event: Event) -> None:
    """The resident's notice of an issued document; for the document that states a case's decision,
    the result notice (`case.decided`: the outcome and the link to the signed PDF).

    The result notice follows the document's own event, not `case.decided`: civicloop.documents
    issues the result on `case.decided`, and whichever order the two apps' subscribers run in,
    the notice is then sent once, after the PDF exists, and links it. A decision without its
    document would be rolled back with it (documents.subscribers), so none goes without a notice.
    """
    case_id = str(event.data.get("case", ""))
    if not case_id:
        logger.warning("document.issued %s names no case; no notice queued", event.id)
        return
    case = _case(case_id)
    application = case.application
    document_id = event.subject.removeprefix("document/")
    try:
        path = reverse("documents:document-download", args=[application.public_id, document_id])
    except NoReverseMatch:  # the documents app has no download page (yet): send them to the application
        path = reverse("applications:application-detail", args=[application.public_id])
    extra: dict[str, Any] = {"document_url": _absolute(path)}
    if event.data.get("kind") in RESULT_KINDS:
        extra["outcome"] = str(event.data.get("outcome", ""))
        _notify_applicant(event, application, "case.decided", extra, case.department.code, dedupe_key=_result_key(case))
    else:
        _notify_applicant(event, application, "document.issued", extra, case.department.code)


@events.subscribe("inquiry.answered")
def inquiry_answered(event: Event) -> None:
    inquiry = Inquiry.objects.select_related("resident", "department").get(
        public_id=event.subject.removeprefix("inquiry/")
    )
    recipient: User | str | None = inquiry.resident or inquiry.contact_email or None
    if recipient is None:
        return
    notify(
        recipient,
        "inquiry.answered",
        {
            "reference_number": inquiry.reference_number,
            "inquiry_url": _absolute(reverse("intelligence:inquiry-detail", args=[inquiry.public_id])),
        },
        subject=event.subject,
        classification=event.classification,
        dedupe_key=f"event/{event.id}",
        department=inquiry.department.code if inquiry.department else "",
    )


# -- staff ------------------------------------------------------------------------------------


def _notify_staff(event: Event, case: Case, people: list[User], code: str) -> None:
    """Tell each person who may work the case (judged as from their best device, as for assignment)."""
    version = case.application.procedure_version
    context = {
        "procedure": {"ja": version.name_ja, "en": version.name_en},
        "receipt_number": case.application.receipt_number,
        "due_date": case.due_date,
        "case_url": _absolute(reverse("cases:case-detail", args=[case.public_id])),
    }
    for person in people:
        if not evaluate(person, Action.WORK, case, ASSIGNEE_CONTEXT).allowed:
            continue
        notify(
            person,
            code,
            context,
            subject=f"case/{case.public_id}",
            classification=case.classification,
            dedupe_key=f"event/{event.id}",
            department=case.department.code,
        )


@events.subscribe("case.approval_pending")
def approval_pending(event: Event) -> None:
    """The approvers of the rank that now waits (or those who may stand in for it, 代決)."""
    case = _case(event.subject)
    step = case.approval_steps.filter(round=event.data.get("round"), order=event.data.get("order")).first()
    if step is None:
        return
    _notify_staff(event, case, approvers_for(case, step), "case.approval_pending")


@events.subscribe("application.corrected")
def correction_resubmitted(event: Event) -> None:
    """The assignee hears that the 補正 came back; a case nobody handles, the department's clerks."""
    case = Case.objects.select_related(
        "department", "assignee", "application__applicant", "application__procedure_version"
    ).get(application__public_id=event.subject.removeprefix("application/"))
    if case.assignee is not None and case.assignee.is_active:
        people = [case.assignee]
    else:
        people = list(
            User.objects.filter(
                departments=case.department_id, kind=User.Kind.STAFF, position=Position.CLERK, is_active=True
            ).order_by("pk")
        )
    _notify_staff(event, case, people, "case.correction_resubmitted")


@events.subscribe("case.reminder_sent")
def case_reminder(event: Event) -> None:
    """The day's due-soon or overdue reminder, to the people the cases app named in the event
    (the assignee and the present 係長: cases.worker.reminder_recipients), once a person a case a day."""
    case = getattr(event, "instance", None)
    if not isinstance(case, Case):
        case = Case.objects.select_related("department", "assignee", "application__procedure_version").get(
            public_id=event.subject.removeprefix("case/")
        )
    version = case.application.procedure_version
    context = {
        "state": event.data["state"],
        "procedure": {"ja": version.definition["names"]["ja"], "en": version.definition["names"]["en"]},
        "receipt_number": case.application.receipt_number,
        "due_date": case.due_date,
        "assignee": case.assignee.display_name if case.assignee else "",
        "case_url": _absolute(reverse("cases:case-detail", args=[case.public_id])),
    }
    to = [str(public_id) for public_id in event.data.get("to", [])]
    people = {str(user.public_id): user for user in User.objects.filter(public_id__in=to)}
    for public_id in to:
        notify(
            people[public_id],
            "case.reminder",
            context,
            subject=event.subject,
            classification=event.classification,
            dedupe_key=f"case.reminder:{case.public_id}:{event.data['day']}",
            department=case.department.code,
        )
