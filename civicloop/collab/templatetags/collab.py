# SPDX-License-Identifier: MPL-2.0
"""`{% case_channel case %}`: the case page's link to its chat channel, or the button that opens one.

Display hints only (`rules.evaluate_channel`, `policy.evaluate`, no audit entry): the channel page
and the action that opens a channel ask the rules again. The cases app cannot import chat (it sits
below it), so the case page reaches it through this tag.
"""

from typing import Any

from django import template

from civicloop.classification.policy import Action, context_from_request, evaluate
from civicloop.collab.models import Channel, Membership
from civicloop.collab.rules import ChatAction, evaluate_channel
from civicloop.core.compiled import Param, compiled

register = template.Library()

# On every case page: compiled once (core.compiled). `first()` would order by pk; one case has one channel.
_case_channel = compiled(
    lambda: Channel.objects.with_unread(Param("user", Membership, "user")).filter(case=Param("case", Channel, "case"))[
        :1
    ]
)


@register.inclusion_tag("collab/_case_channel.html", takes_context=True)
def case_channel(context: template.Context, case: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None:
        return {"shown": False}
    policy_context = context_from_request(request)
    channel = _case_channel.first(case=case.pk, user=user.pk)
    if channel is not None:
        readable = evaluate_channel(user, ChatAction.READ, channel, policy_context).allowed
        return {"shown": readable, "channel": channel, "case": case}
    may_open = evaluate(user, Action.SHARE, case, policy_context).allowed
    return {"shown": may_open, "channel": None, "case": case}
