# SPDX-License-Identifier: MPL-2.0
"""Writes of the analytics app: the resident's satisfaction rating, the process owner's improvement actions."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.analytics.models import Finding, ImprovementAction, ServiceRating
from civicloop.applications.models import Application
from civicloop.classification.policy import (
    NO_CONTEXT,
    Action,
    Context,
    actor_label,
    authorise,
    is_owner,
    records_refusals,
)
from civicloop.core import audit, events

# The results after which a resident may rate the service.
RATEABLE = {
    Application.Status.APPROVED,
    Application.Status.REJECTED,
    Application.Status.COMPLETED,
}


class RatingNotAllowed(Exception):
    """The application has no result yet, or was rated already; nothing was changed."""


def can_rate(application: Application) -> bool:
    return application.status in RATEABLE and not ServiceRating.objects.filter(application=application).exists()


def rate_service(*, application: Application, score: int) -> ServiceRating:
    """Record the resident's rating (1–5) of the service once the result is in; once per application.

    The event carries the score and the procedure only: who rated stays with the application.
    """
    if not 1 <= score <= 5:
        raise ValueError("the score is from 1 to 5")
    if application.status not in RATEABLE:
        raise RatingNotAllowed(application.status)
    version = application.procedure_version
    try:
        with transaction.atomic():
            rating = ServiceRating.objects.create(
                application=application, score=score, classification=application.classification
            )
            events.record(
                "service.rated",
                subject=f"application/{application.public_id}",
                data={
                    "score": score,
                    "procedure": version.procedure.code,
                    "department": version.procedure.department.code,
                },
                classification=application.classification,
            )
    except IntegrityError as exc:  # a second rating (a double click included) hits the one-to-one
        raise RatingNotAllowed("already rated") from exc
    return rating


class NotProcessOwner(Exception):
    """Only the procedure's process owner records an action on its finding; nothing was changed."""


# How far ahead an action may be dated: a change announced for the next 4月1日, not a wish list.
MAX_DAYS_AHEAD = 366
DESCRIPTION_MAX = 300  # ImprovementAction.description


@records_refusals
def record_improvement_action(
    *, finding: Finding, actor: User, description: str, taken_on: date, context: Context = NO_CONTEXT
) -> ImprovementAction:
    """Record what the process owner changed about a finding, and from when; audited.

    The process owner is the head of the procedure's department (`classification.policy.is_owner`:
    a 課長 or above in it) who may work on the department's records (the one policy's WORK). The
    finding is stored with its first action (`finding` may be unsaved, as `findings.finding_for`
    makes it).
    """
    description = " ".join(description.split())
    if not description or len(description) > DESCRIPTION_MAX:
        raise ValueError(f"describe the action in at most {DESCRIPTION_MAX} characters")
    if (taken_on - timezone.localdate()).days > MAX_DAYS_AHEAD:
        raise ValueError("the action is dated more than a year ahead")
    with transaction.atomic():
        authorise(actor, Action.WORK, finding, context)
        if not is_owner(actor, finding):
            raise NotProcessOwner(finding.department)
        stored, _created = Finding.objects.get_or_create(
            kind=finding.kind,
            procedure=finding.procedure,
            subject=finding.subject,
            defaults={"department": finding.department, "classification": finding.classification},
        )
        action = ImprovementAction.objects.create(
            finding=stored,
            description=description,
            taken_on=taken_on,
            recorded_by=actor,
            classification=stored.classification,
        )
        audit.record(
            actor=actor_label(actor),
            action="improvement.action_recorded",
            object_type="analytics.improvementaction",
            object_id=str(action.public_id),
            classification=action.classification,
            data={
                "finding": str(stored.public_id),
                "kind": stored.kind,
                "procedure": stored.procedure,
                "subject": stored.subject,
                "taken_on": taken_on.isoformat(),
                "description": description,
            },
        )
    return action
