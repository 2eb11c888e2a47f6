# SPDX-License-Identifier: MPL-2.0
"""The one access policy. Every read path asks `decide`; every list is scoped by `visible_q`.

Both encode the same rules, so what a list shows and what a detail page opens never disagree:

- a resident sees only what they own, whatever its tier (a guest, only what their session holds);
- staff see an object when all of these hold (docs/classification.md has the table):
  1. their clearance reaches the object's tier;
  2. the device the request comes from reaches it (DEVICE_CEILING: unknown or non-compliant →
     OFFICIAL, BYOD → SECRET, managed → TOP SECRET);
  3. the tier's handling rules allow the action (HANDLING: no email above OFFICIAL; no export,
     print, chat or API for TOP SECRET);
  4. TOP SECRET: they hold a need-to-know grant for the object (named people only);
     below it: they belong to the owning department, or hold a grant, or — to view only — have
     an oversight role (auditor, information-security officer).
  Staff never edit a resident's answers.
- acting on an object (WORK: a step of its process, a comment, an answer to a 合議, a 決裁) needs
  authority, not just sight: membership of the owning department, clearance and a device that
  reach the tier, a need-to-know grant as well for TOP SECRET, and no oversight role (auditors and
  the information-security officer watch; they never act). A grant lets someone outside the
  department see an object, never work it. Every action function checks WORK itself
  (`authorise`), so a view that forgets cannot open a write.

`decide` writes every decision on SECRET or above, and every denial, to the hash-chained audit
log. `evaluate` is the same decision without the audit entry, for display hints only (which
buttons to show); access itself always goes through `decide`.
"""

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, wraps
from typing import Any, ParamSpec, Protocol, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db import connection
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest
from django.utils import timezone

from civicloop.accounts.models import POSITION_RANK, Position, Role, User
from civicloop.core import audit
from civicloop.core.compiled import Compiled
from civicloop.core.models import TIER_RANK, Classification, tier_rank

P = ParamSpec("P")
R = TypeVar("R")

TIERS = tuple(TIER_RANK)


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    DOWNLOAD = "download"
    EXPORT = "export"  # CSV/PDF exports of records
    PRINT = "print"
    EMAIL = "email"  # sending the record's content by e-mail
    SHARE = "share"  # posting it in a chat channel
    API = "api"  # reading it through the JSON API (machine access)
    # Acting on the record: taking a step of its process, commenting, answering a 合議, 決裁. Needs
    # authority, not just sight: membership of the owning department and a role that may act.
    WORK = "work"


class DeviceTrust(StrEnum):
    """What the device registry (civicloop.devices) knows about the device a request comes from."""

    UNKNOWN = "unknown"  # no registered device is bound to this session
    NONCOMPLIANT = "noncompliant"  # registered, but its last posture fails the compliance rules
    BYOD = "byod"  # a registered personal device whose posture is compliant
    MANAGED = "managed"  # a municipality-managed device whose posture is compliant


# The highest tier each device posture may open (DOMAIN.md, "devices").
DEVICE_CEILING: Mapping[DeviceTrust, Classification] = {
    DeviceTrust.UNKNOWN: Classification.OFFICIAL,
    DeviceTrust.NONCOMPLIANT: Classification.OFFICIAL,
    DeviceTrust.BYOD: Classification.SECRET,
    DeviceTrust.MANAGED: Classification.TOP_SECRET,
}

# Handling rules per tier (DOMAIN.md, "sharing"): what staff may do once they may see the object.
HANDLING: Mapping[Classification, frozenset[Action]] = {
    Classification.OFFICIAL: frozenset(Action),
    Classification.SECRET: frozenset(Action) - {Action.EMAIL},
    Classification.TOP_SECRET: frozenset({Action.VIEW, Action.EDIT, Action.DOWNLOAD, Action.WORK}),
}

# Roles that oversee every department: they may view (only view) below TOP SECRET.
OVERSIGHT_ROLES = frozenset({Role.AUDITOR, Role.SECURITY_OFFICER})


class Protected(Protocol):
    """What the policy needs to know about an object, whatever its type.

    Optional: `public_id` (need-to-know grants are keyed by it) and `staff_editable` (True on
    objects staff write themselves; resident-written objects leave it out and are never edited
    by staff).
    """

    classification: str

    @property
    def owner_id(self) -> int | None: ...

    @property
    def department_code(self) -> str: ...

    @property
    def guest_key(self) -> str: ...


@dataclass(frozen=True)
class Context:
    """Facts about the request: a guest's own session keys and the device it comes from.

    `scopes` is one request's memo of each person's departments and grants (`scope_facts`): a
    page that lists cases, their documents and their related cases, and decides on each, reads
    them once. Only contexts of a request have one (`context_from_request`); NO_CONTEXT and
    contexts made by hand ask the database every time.
    """

    guest_keys: Collection[str] = field(default_factory=frozenset)
    device_trust: DeviceTrust = DeviceTrust.UNKNOWN
    scopes: "dict[int, Scope] | None" = field(default=None, compare=False, repr=False)


NO_CONTEXT = Context()


def context_from_request(request: HttpRequest) -> Context:
    """The policy's view of a request: its session's guest keys and its device's posture.

    The device middleware (civicloop.devices) sets `request.device_trust`; without it the device
    is UNKNOWN, which opens OFFICIAL only.
    """
    session = getattr(request, "session", None)
    return Context(
        guest_keys=frozenset(session.get("guest_keys", []) if session is not None else []),
        device_trust=DeviceTrust(getattr(request, "device_trust", DeviceTrust.UNKNOWN)),
        # Kept on the request, so every context built from it during the request shares it.
        scopes=request.__dict__.setdefault("_civicloop_policy_scopes", {}),
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def tier_of(obj: Any) -> Classification:
    return Classification(obj.classification)


rank = tier_rank


def device_allows(device: DeviceTrust, tier: str) -> bool:
    return rank(tier) <= rank(DEVICE_CEILING[device])


def is_oversight(user: User) -> bool:
    return any(user.has_role(role) for role in OVERSIGHT_ROLES)


def has_grant(user: User, obj: Any) -> bool:
    """True when `user` holds an unexpired, unrevoked need-to-know grant for `obj`."""
    from civicloop.classification.models import NeedToKnowGrant

    public_id = getattr(obj, "public_id", None)
    if public_id is None:
        return False
    return NeedToKnowGrant.objects.active().filter(user=user, object_public_id=public_id).exists()


@dataclass(frozen=True)
class Scope:
    """Whom a member of staff works for and what they were named for: the facts a list is scoped by."""

    department_ids: list[int]
    department_codes: list[str]
    granted_ids: list[uuid.UUID]  # public ids of objects under an active need-to-know grant


def scope_facts(user: User) -> Scope:
    """The person's departments (ids and codes) and their active need-to-know grants, in one query.

    One round trip instead of two: the inbox is the busiest list, and its scoped query is measured
    against the unscoped one (bench/policy.py). Every staff request asks it, so the statement is
    compiled once per process (`_scope_statement`) rather than by the ORM on each call (~1.5 ms of
    a chat post's ~13, bench/profile_chat_post.py).
    """
    sql, template = _scope_statement(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [user.pk if p is _PERSON else now if p is _NOW else p for p in template]
    scope = Scope([], [], [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, value, code in cursor.fetchall():
            if kind == "d":
                scope.department_ids.append(int(value))
                scope.department_codes.append(code)
            else:
                scope.granted_ids.append(uuid.UUID(str(value)))
    return scope


# Where `_scope_statement`'s parameters take the person and the moment of each call.
_PERSON, _NOW = object(), object()
_SOMEONE = -7_000_000_001  # stand-ins the ORM compiles in their places
_SOME_TIME = dt.datetime(1901, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@functools.cache
def _scope_statement(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """`scope_facts`' statement for this database, compiled by the ORM once per process: the person's
    departments, then their grants from `NeedToKnowGrant.objects.active()` (the one place that says
    what an active grant is). Its parameters hold `_PERSON` and `_NOW` where each call's go."""
    from civicloop.classification.models import NeedToKnowGrant

    text = CharField(max_length=36)
    memberships = (
        User.departments.through.objects.filter(user_id=_SOMEONE)
        .order_by()
        .values_list(Value("d", output_field=text), Cast("department_id", text), "department__code")
    )
    grants = (
        NeedToKnowGrant.objects.active(now=_SOME_TIME)
        .filter(user_id=_SOMEONE)
        .order_by()
        .values_list(Value("g", output_field=text), Cast("object_public_id", text), Value("", output_field=text))
    )
    sql, params = memberships.union(grants, all=True).query.sql_with_params()
    some_time = {_SOME_TIME, connection.ops.adapt_datetimefield_value(_SOME_TIME)}
    return sql, tuple(_PERSON if p == _SOMEONE else _NOW if p in some_time else p for p in params)


def scope_in(user: User, context: Context) -> Scope:
    """`scope_facts(user)`, read once per request when the context carries the request's memo."""
    if context.scopes is None:
        return scope_facts(user)
    if user.pk not in context.scopes:
        context.scopes[user.pk] = scope_facts(user)
    return context.scopes[user.pk]


class _Facts:
    """What the database says about one person and one object, asked at most once each."""

    def __init__(self, user: User, obj: Protected, context: Context = NO_CONTEXT) -> None:
        self.user, self.obj, self.context = user, obj, context

    @cached_property
    def in_department(self) -> bool:
        if self.context.scopes is not None:
            return self.obj.department_code in scope_in(self.user, self.context).department_codes
        return bool(self.user.departments.filter(code=self.obj.department_code).exists())

    @cached_property
    def granted(self) -> bool:
        public_id = getattr(self.obj, "public_id", None)
        if self.context.scopes is not None and public_id is not None:
            return uuid.UUID(str(public_id)) in scope_in(self.user, self.context).granted_ids
        return has_grant(self.user, self.obj)


class NotPermitted(Exception):
    """The policy refused an action (`authorise`); nothing was changed. The message is the reason.

    `refusal` is the audit entry of the refusal. It is written by `records_refusals` once the
    action's transaction has rolled back: written inside it, the entry would be rolled back too.
    """

    def __init__(self, reason: str, refusal: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.refusal = refusal


def _work_decision(user: User, obj: Protected, facts: _Facts) -> Decision:
    """WORK, once clearance, device and handling allow the tier: department, no oversight role."""
    if not user.is_active:
        return Decision(False, "inactive account")
    if is_oversight(user):
        return Decision(False, "oversight roles watch; they do not act")
    if not facts.in_department:
        return Decision(False, "only the owning department acts on it")
    if tier_of(obj) is Classification.TOP_SECRET and not facts.granted:
        return Decision(False, "TOP SECRET needs a need-to-know grant")
    return Decision(True, "department member")


def _staff_decision(user: User, action: Action, obj: Protected, context: Context, facts: _Facts) -> Decision:
    tier = tier_of(obj)
    if action is Action.EDIT and not getattr(obj, "staff_editable", False):
        return Decision(False, "staff do not edit a resident's answers")
    if rank(tier) > rank(user.clearance):
        return Decision(False, "clearance below classification")
    if not device_allows(context.device_trust, tier):
        ceiling = DEVICE_CEILING[context.device_trust]
        return Decision(False, f"device posture {context.device_trust} opens {ceiling} at most")
    if action not in HANDLING[tier]:
        return Decision(False, f"{action} is not allowed for {tier}")
    if action is Action.WORK:
        return _work_decision(user, obj, facts)
    if tier is Classification.TOP_SECRET:
        if facts.granted:
            return Decision(True, "need-to-know grant")
        return Decision(False, "TOP SECRET needs a need-to-know grant")
    if facts.in_department:
        return Decision(True, "department member")
    if facts.granted:
        return Decision(True, "need-to-know grant")
    if action is Action.VIEW and is_oversight(user):
        return Decision(True, "oversight role")
    return Decision(False, "outside the owning department")


def evaluate(
    user: User | AnonymousUser,
    action: Action,
    obj: Protected,
    context: Context = NO_CONTEXT,
    _facts: _Facts | None = None,
) -> Decision:
    """The decision `decide` would take, without writing the audit entry: for display hints only."""
    if user.is_authenticated and isinstance(user, User):
        if user.is_resident:
            if action is Action.WORK:
                return Decision(False, "residents do not work cases")
            if obj.owner_id is not None and obj.owner_id == user.pk:
                return Decision(True, "owner")
            return Decision(False, "not the owner")
        if user.is_staff_member:
            return _staff_decision(user, action, obj, context, _facts or _Facts(user, obj, context))
        return Decision(False, "unknown kind of user")
    if action is not Action.WORK and obj.owner_id is None and obj.guest_key and obj.guest_key in context.guest_keys:
        return Decision(True, "guest session holds this object")
    return Decision(False, "not signed in")


def _access_entry(user: Any, action: Action, obj: Protected, context: Context, decision: Decision) -> dict[str, Any]:
    return {
        "actor": actor_label(user),
        "action": f"access.{action}",
        "object_type": object_type_label(obj),
        "object_id": str(getattr(obj, "public_id", None) or getattr(obj, "pk", "")),
        "data": {"allowed": decision.allowed, "reason": decision.reason, "device": str(context.device_trust)},
        "classification": obj.classification,
    }


def decide(user: User | AnonymousUser, action: Action, obj: Protected, context: Context = NO_CONTEXT) -> Decision:
    """Decide whether `user` may perform `action` on `obj`. The single source of access truth.

    Every decision on SECRET or above and every denial is appended to the audit log. Only those:
    the append takes the chain's lock on PostgreSQL, and OFFICIAL reads are the bulk of traffic.
    """
    decision = evaluate(user, action, obj, context)
    if not decision.allowed or rank(obj.classification) >= rank(Classification.SECRET):
        audit.record(**_access_entry(user, action, obj, context, decision))
    return decision


def authorise(user: User | AnonymousUser, action: Action, obj: Protected, context: Context = NO_CONTEXT) -> Decision:
    """`decide` for writes, raising NotPermitted on a refusal: the first check of every action function.

    Actions call this themselves rather than trusting the view that called them, so a new view,
    command or API route can't open a write the policy forbids. The refusal's audit entry travels
    with the exception (the action's transaction is about to roll back); `records_refusals` on the
    action writes it.
    """
    decision = evaluate(user, action, obj, context)
    if not decision.allowed:
        raise NotPermitted(decision.reason, refusal=_access_entry(user, action, obj, context, decision))
    if rank(obj.classification) >= rank(Classification.SECRET):
        audit.record(**_access_entry(user, action, obj, context, decision))
    return decision


def records_refusals(action: Callable[P, R]) -> Callable[P, R]:
    """Decorate an action: a refusal raised inside its transaction is audited after the rollback."""

    @wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return action(*args, **kwargs)
        except Exception as exc:
            refusal = getattr(exc, "refusal", None)
            if refusal is not None:
                exc.refusal = None  # type: ignore[attr-defined]  # once, however many layers re-raise it
                audit.record(**refusal)
            raise

    return run


def record_listed(
    user: User | AnonymousUser, action: Action, objects: Iterable[Protected], context: Context = NO_CONTEXT
) -> None:
    """Audit what a list revealed exactly as the detail of each object would: SECRET and above.

    Lists are scoped by `visible_q(..., action=...)`, so every object here was allowed; the entry
    says so and names the list as the reason.
    """
    audit.record_all(
        [
            {
                "actor": actor_label(user),
                "action": f"access.{action}",
                "object_type": object_type_label(obj),
                "object_id": str(getattr(obj, "public_id", None) or getattr(obj, "pk", "")),
                "data": {"allowed": True, "reason": "listed", "device": str(context.device_trust)},
                "classification": obj.classification,
            }
            for obj in objects
            if rank(obj.classification) >= rank(Classification.SECRET)
        ]
    )


def actor_label(user: Any) -> str:
    """How the audit log names a person: `user/<public id>`, or `anonymous`."""
    public_id = getattr(user, "public_id", None)
    return f"user/{public_id}" if getattr(user, "is_authenticated", False) and public_id else "anonymous"


def object_type_label(obj: Any) -> str:
    meta = getattr(obj, "_meta", None)
    return str(meta.label_lower) if meta is not None else type(obj).__name__.lower()


def _in_department(scope: Scope, *, department_field: str, department_id_field: str) -> Q:
    # By primary key where the model has a foreign key to the department: the filter stays on the
    # object's own table, so an index that starts with the department serves a list in order (the
    # inbox reads one page of it) instead of joining every row of the department to read its code.
    if department_id_field:
        return Q(**{f"{department_id_field}__in": scope.department_ids})
    return Q(**{f"{department_field}__in": scope.department_codes})


def _staff_q(
    user: User,
    *,
    action: Action,
    department_field: str,
    department_id_field: str,
    public_id_field: str,
    context: Context,
    grants: Iterable[Any] | None,
) -> Q:
    nothing = Q(pk__in=[])
    ceiling = min(rank(user.clearance), rank(DEVICE_CEILING[context.device_trust]))
    # The tiers this person on this device may reach and whose handling rules allow the action.
    handled = [tier for tier in TIERS if TIER_RANK[tier] <= ceiling and action in HANDLING[tier]]
    below_top = [tier for tier in handled if tier is not Classification.TOP_SECRET]
    if grants is not None:
        departments = list(user.departments.values_list("id", "code"))
        facts = Scope([pk for pk, _code in departments], [code for _pk, code in departments], list(grants))
    else:
        facts = scope_in(user, context)
    ids = facts.granted_ids
    in_department = _in_department(facts, department_field=department_field, department_id_field=department_id_field)
    top_secret = Classification.TOP_SECRET in handled and ids
    if action is Action.WORK:
        if is_oversight(user) or not user.is_active:
            return nothing
        q = (Q(classification__in=below_top) & in_department) if below_top else nothing
        if top_secret:
            q |= Q(classification=Classification.TOP_SECRET, **{f"{public_id_field}__in": ids}) & in_department
        return q
    if action is Action.VIEW and is_oversight(user):
        scope = Q()
    else:
        scope = in_department
        if ids:
            scope |= Q(**{f"{public_id_field}__in": ids})
    q = (Q(classification__in=below_top) & scope) if below_top else nothing
    if top_secret:
        q |= Q(classification=Classification.TOP_SECRET, **{f"{public_id_field}__in": ids})
    return q


def visible_q(
    user: User | AnonymousUser,
    *,
    owner_field: str,
    guest_field: str,
    department_field: str = "",
    department_id_field: str = "",
    context: Context = NO_CONTEXT,
    public_id_field: str = "public_id",
    grants: Iterable[Any] | None = None,
    action: Action = Action.VIEW,
) -> Q:
    """The same rules as `decide(..., action, ...)`, as a filter for a QuerySet.

    A list asks for the action its detail asks for (the API list for API, an export for EXPORT),
    so the handling table applies to lists exactly as to one object. EDIT is not expressible here
    (it depends on who wrote the object); ask `decide`.

    The owning department is named by one of `department_id_field` (a path to its primary key,
    such as `department_id`: prefer it where there is one, it needs no join) or `department_field`
    (a path to its code).

    One small query (the user's departments and active grants), never one per row; a caller that
    already holds the grants passes them as `grants`.
    """
    if bool(department_field) == bool(department_id_field):
        raise ValueError("name the owning department by exactly one of department_field and department_id_field")
    nothing = Q(pk__in=[])
    if user.is_authenticated and isinstance(user, User):
        if user.is_resident:
            return nothing if action is Action.WORK else Q(**{owner_field: user.pk})
        if user.is_staff_member:
            return _staff_q(
                user,
                action=action,
                department_field=department_field,
                department_id_field=department_id_field,
                public_id_field=public_id_field,
                context=context,
                grants=grants,
            )
        return nothing
    if context.guest_keys and action is not Action.WORK:
        return Q(**{f"{owner_field}__isnull": True, f"{guest_field}__in": list(context.guest_keys)})
    return nothing


def get_allowed(
    queryset: QuerySet[Any] | Compiled[Any],
    user: User | AnonymousUser,
    action: Action,
    context: Context = NO_CONTEXT,
    **lookup: Any,
) -> Any:
    """The one object `lookup` finds in `queryset`, if `decide` allows `action`; else Http404 (never 403).

    The access helpers of each app (`get_application_for_user` …) are this with their own queryset,
    so a missing object and a forbidden one look the same to whoever is guessing ids. A compiled
    query (core.compiled; the lookup names its `Param`s) is read the same way, without building
    and compiling the statement on every request.
    """
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, MultipleObjectsReturned, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not decide(user, action, obj, context).allowed:
        raise Http404
    return obj


def handling_summary(user: User | AnonymousUser, obj: Protected, context: Context = NO_CONTEXT) -> dict[Action, bool]:
    """Which actions the person could take on `obj` right now: flags for the banner and buttons."""
    facts = _Facts(user, obj, context) if isinstance(user, User) else None
    return {action: evaluate(user, action, obj, context, facts).allowed for action in Action}


# --- Who may change a label or name people (used by classification.actions) -------------------


def is_security_officer(user: Any) -> bool:
    return bool(getattr(user, "is_staff_member", False) and user.has_role(Role.SECURITY_OFFICER))


def is_owner(user: Any, obj: Protected) -> bool:
    """The owner of an object is the head of its owning department: a 課長 (or higher rank) in it.

    Lowering a label needs the owner (DOMAIN.md); granting need-to-know may be done by the owner or
    the information-security officer.
    """
    if not getattr(user, "is_staff_member", False):
        return False
    if POSITION_RANK.get(user.position, 0) < POSITION_RANK[Position.KACHO]:
        return False
    return bool(user.departments.filter(code=obj.department_code).exists())


def at_least(tier: str, floor: str) -> bool:
    return rank(tier) >= rank(floor)
