# SPDX-License-Identifier: MPL-2.0
from typing import Any
from uuid import UUID

from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT, Action, Context, get_allowed


def get_case_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT) -> Case:
    """The case with this public id if the one policy allows `action`; otherwise 404 (never 403)."""
    queryset = Case.objects.select_related(
        "department", "assignee", "application__procedure_version__procedure", "application__applicant"
    )
    case: Case = get_allowed(queryset, user, action, context, public_id=public_id)
    return case
