# SPDX-License-Identifier: MPL-2.0
from typing import Any
from uuid import UUID

from civicloop.cases.models import Case, Consultation
from civicloop.classification.policy import NO_CONTEXT, Action, Context, get_allowed
from civicloop.core.compiled import Param, compiled


def get_case_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT) -> Case:
    """The case with this public id if the one policy allows `action`; otherwise 404 (never 403)."""
    case: Case = get_allowed(_case, user, action, context, public_id=public_id)
    return case


# Read on every case page and case action, compiled once (core.compiled); public_id is unique.
_case = compiled(
    lambda: Case.objects.select_related(
        "department", "assignee", "application__procedure_version__procedure", "application__applicant"
    ).filter(public_id=Param("public_id", Case, "public_id"))[:2]
)


def get_consultation_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT
) -> Consultation:
    """The 合議 request with this public id if the one policy allows `action` on it; otherwise 404.

    A consultation is protected like its case, with the consulted department as its department.
    """
    queryset = Consultation.objects.select_related(
        "case__department", "case__application__procedure_version__procedure", "department", "requested_by"
    )
    consultation: Consultation = get_allowed(queryset, user, action, context, public_id=public_id)
    return consultation
