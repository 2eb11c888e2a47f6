# SPDX-License-Identifier: MPL-2.0
from typing import Any
from uuid import UUID

from django.http import Http404

from civicloop.classification.policy import NO_CONTEXT, Action, Context, decide
from civicloop.intelligence.models import Inquiry


def get_inquiry_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT) -> Inquiry:
    """The inquiry with this public id if the one policy allows `action`; otherwise 404 (never 403)."""
    try:
        inquiry = Inquiry.objects.select_related("department", "suggested_procedure__current_version").get(
            public_id=public_id
        )
    except (Inquiry.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not decide(user, action, inquiry, context).allowed:
        raise Http404
    return inquiry
