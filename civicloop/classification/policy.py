# SPDX-License-Identifier: MPL-2.0
"""The one access policy. Every read path asks `decide`; every list is scoped by `visible_q`.

Both encode the same rules, so what a list shows and what a detail page opens never disagree:
- a resident sees only what they own (a guest, only what their own session holds);
- staff see objects of their departments up to their clearance (the classification issue adds
  need-to-know grants, device posture and the per-tier handling rules here, nowhere else).
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from civicloop.accounts.models import User
from civicloop.core.models import Classification

TIER_RANK = {Classification.OFFICIAL: 0, Classification.SECRET: 1, Classification.TOP_SECRET: 2}


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    DOWNLOAD = "download"


class Protected(Protocol):
    """What the policy needs to know about an object, whatever its type."""

    classification: str

    @property
    def owner_id(self) -> int | None: ...

    @property
    def department_code(self) -> str: ...

    @property
    def guest_key(self) -> str: ...


class DeviceTrust(StrEnum):
    """What the device registry (civicloop.devices) knows about the device a request comes from."""

    UNKNOWN = "unknown"  # no registered device is bound to this session
    NONCOMPLIANT = "noncompliant"  # registered, but its last posture fails the compliance rules
    BYOD = "byod"  # a registered personal device whose posture is compliant
    MANAGED = "managed"  # a municipality-managed device whose posture is compliant


@dataclass(frozen=True)
class Context:
    """Facts about the request: a guest's own session keys and the device it comes from."""

    guest_keys: Collection[str] = field(default_factory=frozenset)
    device_trust: DeviceTrust = DeviceTrust.UNKNOWN


NO_CONTEXT = Context()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def decide(user: User | AnonymousUser, action: Action, obj: Protected, context: Context = NO_CONTEXT) -> Decision:
    """Decide whether `user` may perform `action` on `obj`. The single source of access truth."""
    if user.is_authenticated and isinstance(user, User):
        if user.is_resident:
            if obj.owner_id is not None and obj.owner_id == user.pk:
                return Decision(True, "owner")
            return Decision(False, "not the owner")
        if user.is_staff_member:
            if action is Action.EDIT:
                return Decision(False, "staff do not edit a resident's answers")
            if TIER_RANK[Classification(obj.classification)] > TIER_RANK[Classification(user.clearance)]:
                return Decision(False, "clearance below classification")
            if user.departments.filter(code=obj.department_code).exists():
                return Decision(True, "department member")
            return Decision(False, "outside the owning department")
        return Decision(False, "unknown kind of user")
    if obj.owner_id is None and obj.guest_key and obj.guest_key in context.guest_keys:
        return Decision(True, "guest session holds this object")
    return Decision(False, "not signed in")


def visible_q(
    user: User | AnonymousUser,
    *,
    owner_field: str,
    department_field: str,
    guest_field: str,
    context: Context = NO_CONTEXT,
) -> Q:
    """The same rules as `decide(..., Action.VIEW, ...)`, as a filter for a QuerySet."""
    nothing = Q(pk__in=[])
    if user.is_authenticated and isinstance(user, User):
        if user.is_resident:
            return Q(**{owner_field: user.pk})
        if user.is_staff_member:
            rank = TIER_RANK[Classification(user.clearance)]
            tiers = [tier for tier, r in TIER_RANK.items() if r <= rank]
            codes = list(user.departments.values_list("code", flat=True))
            return Q(**{f"{department_field}__in": codes, "classification__in": tiers})
        return nothing
    if context.guest_keys:
        return Q(**{f"{owner_field}__isnull": True, f"{guest_field}__in": list(context.guest_keys)})
    return nothing


def get_allowed(
    queryset: QuerySet[Any], user: User | AnonymousUser, action: Action, context: Context = NO_CONTEXT, **lookup: Any
) -> Any:
    """The one object `lookup` finds in `queryset`, if `decide` allows `action`; else Http404 (never 403).

    The access helpers of each app (`get_application_for_user` …) are this with their own queryset,
    so a missing object and a forbidden one look the same to whoever is guessing ids.
    """
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not decide(user, action, obj, context).allowed:
        raise Http404
    return obj
