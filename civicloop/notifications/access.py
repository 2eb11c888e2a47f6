# SPDX-License-Identifier: MPL-2.0
"""The one way a view reads a notice: the recipient's own, and only if the access policy agrees."""

from typing import Any
from uuid import UUID

from civicloop.classification.policy import NO_CONTEXT, Action, Context, get_allowed
from civicloop.notifications.models import Channel, Message


def get_notice_for_user(user: Any, public_id: UUID | str, *, context: Context = NO_CONTEXT) -> Message:
    """The portal notice with this id if it was sent to `user` and the policy lets them view it; else 404.

    Both checks apply: being the recipient (staff of the same department must not read each
    other's notices) and the policy (a staff member whose clearance was lowered no longer reads
    a SECRET notice sent to them earlier).
    """
    queryset = Message.objects.filter(recipient_id=getattr(user, "pk", None), channel=Channel.PORTAL)
    notice: Message = get_allowed(queryset, user, Action.VIEW, context, public_id=public_id)
    return notice
