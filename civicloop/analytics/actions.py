# SPDX-License-Identifier: MPL-2.0
"""Writes of the analytics app: the resident's satisfaction rating."""

from django.db import IntegrityError, transaction

from civicloop.analytics.models import ServiceRating
from civicloop.applications.models import Application
from civicloop.core import events

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
