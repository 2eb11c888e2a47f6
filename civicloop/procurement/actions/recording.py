# SPDX-License-Identifier: MPL-2.0
"""One audit entry and one event per procurement state change, and the authority check before it."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from civicloop.classification.policy import NO_CONTEXT, Action, Context, NotPermitted, actor_label
from civicloop.core import audit, events
from civicloop.procurement import rules
from civicloop.procurement.errors import WrongState
from civicloop.procurement.models import Tender, TenderStatus


def record(
    actor: Any,
    action: str,
    obj: Any,
    facts: Mapping[str, Any] | None = None,
    *,
    audit_facts: Mapping[str, Any] | None = None,
) -> None:
    """Audit and event for `procurement.<action>` on `obj` (facts are ids and codes, never content).

    `actor` is the person, or a label such as `system/procurement-worker` for background work.
    `audit_facts` go to the audit entry only: text the record must keep (a cancellation's reason)
    but the outbox, its webhooks and exports must not carry.
    """
    kind = type(obj).__name__.lower()
    object_id = str(getattr(obj, "public_id", None) or obj.pk)
    data = dict(facts or {})
    audit.record(
        actor=actor if isinstance(actor, str) else actor_label(actor),
        action=f"procurement.{action}",
        object_type=f"procurement.{kind}",
        object_id=object_id,
        data={**data, **(audit_facts or {})},
        classification=obj.classification,
    )
    events.record(
        f"procurement.{action}",
        subject=f"procurement_{kind}/{object_id}",
        data={"id": object_id, **data},
        classification=obj.classification,
        instance=obj,
    )


def require(actor: Any, action: Action, obj: Any, context: Context | None = None) -> None:
    """Refuse (NotPermitted) unless the procurement rules let `actor` take `action` on `obj`."""
    decision = rules.decide(actor, action, obj, context or NO_CONTEXT)
    if not decision.allowed:
        raise NotPermitted(decision.reason)


def require_step(tender: Tender, step: str, refusal: str) -> None:
    """Refuse (WrongState, nothing changed) unless `tender`'s status allows `step` (`TENDER_STEPS`).

    Call it on the locked row. A cancelled tender is refused as such, whatever the step; any other
    status with `refusal`, the step's own explanation.
    """
    if tender.allows(step):
        return
    if tender.status == TenderStatus.CANCELLED:
        raise WrongState(_("This tender was cancelled: no further step can be taken on it."))
    raise WrongState(refusal)
