# SPDX-License-Identifier: MPL-2.0
"""Which rollup rows a member of staff may see: the one access policy, applied to rollups.

Rollup rows carry `department` and `classification` like the cases they count, so
`classification.policy.visible_q` scopes them in SQL exactly as it scopes `Case` lists: a clerk
sees the figures of their own departments up to their clearance, and whatever the policy grants a
role (an auditor, a security officer) and the device's posture (SECRET needs a managed or compliant
device) apply here too without a second rule. A figure that mixes departments (a ward-wide total)
is the sum of what the viewer may see, never more.
"""

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest

from civicloop.classification.policy import Action, context_from_request, visible_q


def staff_user(request: HttpRequest) -> Any:
    """The signed-in member of staff; anyone else gets a 404 (dashboards are not public)."""
    user: Any = request.user
    if not user.is_authenticated or not getattr(user, "is_staff_member", False):
        raise Http404
    return user


def rollup_scope(request: HttpRequest, action: Action = Action.VIEW) -> Q:
    """The filter that limits rollup rows to what the request's user may do `action` with.

    A CSV download asks for EXPORT, as an export of records would: an auditor, who may *view* every
    department's figures, exports only their own department's.
    """
    user = staff_user(request)
    return visible_q(
        user,
        owner_field="department",  # read only for residents, who never get here (staff_user)
        department_field="department",
        guest_field="department",
        context=context_from_request(request),
        action=action,
        # A need-to-know grant opens one named case, not its department's figures: aggregates
        # follow department, clearance and device only. (So TOP SECRET, which only grants open,
        # is in no dashboard figure.)
        grants=[],
    )
