# SPDX-License-Identifier: MPL-2.0
"""`{% rating_form application %}`: the satisfaction rating on the resident's application page."""

from typing import Any

from django import template

from civicloop.analytics.actions import RATEABLE
from civicloop.analytics.models import ServiceRating
from civicloop.applications.models import Application
from civicloop.classification.policy import Action, context_from_request, evaluate
from civicloop.core.compiled import Param, compiled

register = template.Library()

# Compiled once (core.compiled): asked on every page of a decided application.
_rating = compiled(
    lambda: ServiceRating.objects.filter(application=Param("application", ServiceRating, "application")).order_by("pk")[
        :1
    ]
)


@register.inclusion_tag("analytics/_rating.html", takes_context=True)
def rating_form(context: dict[str, Any], application: Application) -> dict[str, Any]:
    """Shown after the result, to whoever may act on the application (its resident), until rated.

    Whether to show the form is a display hint (`evaluate`, no audit entry): the page's read was
    audited when it was opened, and the rating itself asks `decide` for EDIT, which records it.
    """
    request = context["request"]
    may_rate = (
        application.status in RATEABLE
        and evaluate(request.user, Action.EDIT, application, context_from_request(request)).allowed
    )
    rating = _rating.first(application=application) if may_rate else None
    return {
        "application": application,
        "show_form": may_rate and rating is None,
        "rating": rating,
        "scores": [(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
        "csrf_token": context.get("csrf_token"),
    }
