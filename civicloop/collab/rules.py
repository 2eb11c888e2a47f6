# SPDX-License-Identifier: MPL-2.0
"""Who may read and post in a chat channel: the one policy's tiers, plus need-to-know by kind of channel.

A channel is read or posted in only by a member of staff for whom all of these hold:

1. their clearance reaches the channel's tier (for a case channel, the higher of its own tier and
   the case's, which a relabel of the case may have raised since the channel was opened);
2. the device the request comes from opens that tier (`policy.DEVICE_CEILING`);
3. the tier's handling rules allow chat (`policy.HANDLING`, the SHARE action): never TOP SECRET;
4. they need to know, by kind of channel:
   - department: they belong to the department;
   - case: the one policy lets them VIEW the case (its department, a need-to-know grant, or an
     oversight role) to read, and SHARE it to post — so auditors and the information-security
     officer read a case's channel as they read the case, and never post in it;
   - project, group, direct: they were named members.

`evaluate_channel` is the decision; `decide_channel` the same, audited as `policy.decide` audits
(every denial, every decision on SECRET or above). `readable_tiers` is what `ChannelQuerySet.readable_by`
(models.py) filters on, so a list never shows a channel its page would refuse; a test compares
the two over the whole matrix (tests/test_matrix.py).
"""

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser

from civicloop.accounts.models import User
from civicloop.classification import policy
from civicloop.classification.policy import HANDLING, TIERS, Action, Context, Decision, device_allows, rank
from civicloop.core import audit
from civicloop.core.models import Classification


class ChatAction(StrEnum):
    READ = "read"  # open the channel, its messages, threads, search hits; join it
    POST = "post"  # post, reply, react, pin, edit or delete one's own message


class Kind(StrEnum):
    DEPARTMENT = "department"
    PROJECT = "project"
    CASE = "case"
    DIRECT = "direct"
    GROUP = "group"


MEMBER_KINDS = frozenset({Kind.PROJECT, Kind.DIRECT, Kind.GROUP})


def chat_allows(tier: str) -> bool:
    """True when the tier's handling rules let its material be posted in chat (not TOP SECRET)."""
    return Action.SHARE in HANDLING[Classification(tier)]


def effective_tier(channel: Any) -> str:
    """The channel's tier; for a case channel, the case's if that is higher (a relabel raises it)."""
    tier = str(channel.classification)
    case = channel.case if channel.case_id is not None else None
    if case is not None and rank(case.classification) > rank(tier):
        return str(case.classification)
    return tier


def readable_tiers(user: User, context: Context) -> list[str]:
    """The tiers this person, on this device, may chat at: clearance, device ceiling and handling."""
    return [
        str(tier)
        for tier in TIERS
        if rank(tier) <= rank(user.clearance) and device_allows(context.device_trust, tier) and chat_allows(tier)
    ]


def _is_staff(user: Any) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_staff_member and user.is_active


def evaluate_channel(user: User | AnonymousUser, action: ChatAction, channel: Any, context: Context) -> Decision:
    """May `user` read (or post in) `channel` from the device of `context`? Without the audit entry."""
    if not isinstance(user, User) or not _is_staff(user):
        return Decision(False, "chat is for staff")
    tier = effective_tier(channel)
    if rank(tier) > rank(user.clearance):
        return Decision(False, "clearance below classification")
    if not device_allows(context.device_trust, tier):
        return Decision(
            False, f"device posture {context.device_trust} opens {policy.DEVICE_CEILING[context.device_trust]} at most"
        )
    if not chat_allows(tier):
        return Decision(False, f"{tier} is never shared in chat")
    kind = Kind(channel.kind)
    if kind is Kind.DEPARTMENT:
        if channel.department_id in policy.scope_in(user, context).department_ids:
            return Decision(True, "department member")
        return Decision(False, "outside the channel's department")
    if kind is Kind.CASE:
        on_case = Action.VIEW if action is ChatAction.READ else Action.SHARE
        decision = policy.evaluate(user, on_case, channel.case, context)
        return Decision(decision.allowed, f"case: {decision.reason}")
    if channel.memberships.filter(user=user).exists():
        return Decision(True, "channel member")
    return Decision(False, "not a member of the channel")


def _access_entry(
    user: User | AnonymousUser, action: ChatAction, channel: Any, context: Context, decision: Decision
) -> dict[str, Any]:
    return {
        "actor": policy.actor_label(user),
        "action": f"access.chat_{action}",
        "object_type": "collab.channel",
        "object_id": str(channel.public_id),
        "data": {"allowed": decision.allowed, "reason": decision.reason, "device": str(context.device_trust)},
        "classification": effective_tier(channel),
    }


def decide_channel(user: User | AnonymousUser, action: ChatAction, channel: Any, context: Context) -> Decision:
    """`evaluate_channel`, audited as the one policy audits: every denial, every decision on SECRET or above."""
    decision = evaluate_channel(user, action, channel, context)
    if not decision.allowed or rank(effective_tier(channel)) >= rank(Classification.SECRET):
        audit.record(**_access_entry(user, action, channel, context, decision))
    return decision


def authorise_channel(user: User | AnonymousUser, action: ChatAction, channel: Any, context: Context) -> Decision:
    """`decide_channel` for the actions: raises `policy.NotPermitted` (its audit entry travels with it,
    written by `policy.records_refusals` after the rollback)."""
    decision = evaluate_channel(user, action, channel, context)
    if not decision.allowed:
        raise policy.NotPermitted(decision.reason, refusal=_access_entry(user, action, channel, context, decision))
    if rank(effective_tier(channel)) >= rank(Classification.SECRET):
        audit.record(**_access_entry(user, action, channel, context, decision))
    return decision


def evaluate_file(user: User | AnonymousUser, file: Any, context: Context) -> Decision:
    """May `user` download a chat file from this device? Reading its channel, then the file's own tier
    under the one policy's clearance, device and handling tables (DOWNLOAD)."""
    channel = file.message.channel
    decision = evaluate_channel(user, ChatAction.READ, channel, context)
    if not decision.allowed or not isinstance(user, User):
        return decision
    tier = str(file.classification)
    if rank(tier) > rank(user.clearance):
        return Decision(False, "clearance below the file's classification")
    if not device_allows(context.device_trust, tier):
        return Decision(
            False, f"device posture {context.device_trust} opens {policy.DEVICE_CEILING[context.device_trust]} at most"
        )
    if Action.DOWNLOAD not in HANDLING[Classification(tier)] or not chat_allows(tier):
        return Decision(False, f"{tier} files are not downloaded from chat")
    return Decision(True, decision.reason)


def decide_file(user: User | AnonymousUser, file: Any, context: Context) -> Decision:
    """`evaluate_file`, audited every time, allowed or not: a file leaves the platform when it is downloaded."""
    decision = evaluate_file(user, file, context)
    audit.record(
        actor=policy.actor_label(user),
        action="access.chat_file_download",
        object_type="collab.messagefile",
        object_id=str(file.public_id),
        data={
            "allowed": decision.allowed,
            "reason": decision.reason,
            "device": str(context.device_trust),
            "channel": str(file.message.channel.public_id),
            "sha256": file.sha256,
        },
        classification=str(file.classification),
    )
    return decision
