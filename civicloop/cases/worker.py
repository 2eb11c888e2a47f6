# SPDX-License-Identifier: MPL-2.0
"""SLA reminders: once a business day, the assignee and the section chiefs hear of due-soon and overdue cases.

The cases app decides which cases and who; it does not send. notifications sits above cases (its
subscribers read cases, applications, intelligence and documents: docs/architecture.md), so cases
never imports it: the worker records `case.reminder_sent` naming the recipients, and
notifications.subscribers.case_reminder queues their notices in the same transaction.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Position, User
from civicloop.cases.models import Case
from civicloop.core import events
from civicloop.core.calendar import is_business_day

BATCH = 200


def run_once() -> int:
    return send_reminders(timezone.localdate())


def reminder_recipients(case: Case, today: date) -> list[User]:
    """The assignee, and every present 係長 of the department (the section chief)."""
    chiefs = User.objects.filter(
        departments=case.department_id, position=Position.KAKARICHO, is_active=True, kind=User.Kind.STAFF
    ).exclude(absent_until__gte=today)
    people = {user.pk: user for user in chiefs}
    if case.assignee is not None and case.assignee.is_active:
        people[case.assignee.pk] = case.assignee
    return list(people.values())


def send_reminders(today: date, *, batch: int = BATCH) -> int:
    """Queue one reminder per person per case per day for open cases due within DUE_SOON_DAYS or overdue.

    Paused cases (補正) are left alone: their clock is stopped. Nothing is sent on closed days.
    """
    if not is_business_day(today):
        return 0
    candidates = list(
        Case.objects.overdue_or_due_soon(today).exclude(last_reminded_on=today).values_list("pk", flat=True)[:batch]
    )
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("department", "assignee", "application__procedure_version")
                .get(pk=pk)
            )
            if case.last_reminded_on == today or case.status == Case.Status.CLOSED:
                continue
            recipients = reminder_recipients(case, today)
            case.last_reminded_on = today
            case.save(update_fields=["last_reminded_on"])
            events.record(
                "case.reminder_sent",
                subject=f"case/{case.public_id}",
                data={
                    "department": case.department.code,
                    "state": case.sla_state(today),
                    "day": today.isoformat(),
                    "recipients": len(recipients),
                    "to": [str(person.public_id) for person in recipients],
                },
                classification=case.classification,
                instance=case,
            )
            sent += 1
    return sent
