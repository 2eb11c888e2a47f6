# SPDX-License-Identifier: MPL-2.0
from typing import Any
from uuid import UUID

from civicloop.classification.policy import NO_CONTEXT, Action, Context, get_allowed
from civicloop.intelligence.models import Inquiry


def get_inquiry_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT) -> Inquiry:
    """The inquiry with this public id if the one policy allows `action`; otherwise 404 (never 403)."""
    queryset = Inquiry.objects.select_related("department", "suggested_procedure__current_version")
    inquiry: Inquiry = get_allowed(queryset, user, action, context, public_id=public_id)
    return inquiry
