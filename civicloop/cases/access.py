# SPDX-License-Identifier: MPL-2.0
from typing import Any
from uuid import UUID

from django.http import Http404

from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT, Action, Context, decide


def get_case_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT) -> Case:
    """The case with this public id if the one policy allows `action`; otherwise 404 (never 403)."""
    try:
        case = Case.objects.select_related(
            "department", "assignee", "application__procedure_version__procedure", "application__applicant"
        ).get(public_id=public_id)
    except (Case.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not decide(user, action, case, context).allowed:
        raise Http404
    return case
