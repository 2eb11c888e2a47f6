# SPDX-License-Identifier: MPL-2.0
"""`{% classification_banner obj %}` and `{% classification_panel obj %}`: flags computed here, shown there.

The flags are display hints (`policy.evaluate`, no audit entry); the pages behind every button ask
`policy.decide` again.
"""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from civicloop.classification import actions, mynumber
from civicloop.classification.marking import HANDLING_LINES
from civicloop.classification.models import ClassificationRequest, NeedToKnowGrant
from civicloop.classification.policy import (
    TIERS,
    Action,
    DeviceTrust,
    context_from_request,
    device_allows,
    handling_summary,
)
from civicloop.core.compiled import Param, compiled
from civicloop.core.language import is_english
from civicloop.core.models import Classification, tier_name

register = template.Library()

ACTION_LABELS = [
    (Action.VIEW, _("View")),
    (Action.EDIT, _("Edit")),
    (Action.EXPORT, _("Export")),
    (Action.PRINT, _("Print")),
    (Action.EMAIL, _("Send by email")),
    (Action.SHARE, _("Share in chat")),
    (Action.API, _("Read through the API")),
]


def tier_label(tier: str) -> str:
    """一般／秘／極秘 in Japanese, OFFICIAL／SECRET／TOP SECRET in English: one name per language."""
    return tier_name(tier)


register.filter("tier_label", tier_label)


def _request_of(context: template.Context) -> Any:
    return context.get("request")


@register.inclusion_tag("classification/banner.html", takes_context=True)
def classification_banner(context: template.Context, obj: Any) -> dict[str, Any]:
    request = _request_of(context)
    user = getattr(request, "user", None)
    tier = str(Classification(obj.classification))
    ja, en = HANDLING_LINES[tier]
    is_staff = bool(getattr(user, "is_staff_member", False))
    rows: list[dict[str, Any]] = []
    if is_staff and request is not None:
        flags = handling_summary(user, obj, context_from_request(request))  # type: ignore[arg-type]
        rows = [{"label": label, "allowed": flags[action]} for action, label in ACTION_LABELS]
        rows.append(
            {"label": _("Open from a personal device (BYOD)"), "allowed": device_allows(DeviceTrust.BYOD, tier)}
        )
    return {
        "tier": tier,
        "css": tier.lower().replace("_", "-"),
        "label": tier_label(tier),
        "summary": en if is_english() else ja,
        "is_staff": is_staff,
        "rows": rows,
    }


# Asked on every staff page of a case or application: compiled once (core.compiled).
_open_requests = compiled(
    lambda: ClassificationRequest.objects.filter(
        object_public_id=Param("object_public_id", ClassificationRequest, "object_public_id"),
        status__in=["requested", "provisional"],
    ).select_related("requested_by")
)


@register.inclusion_tag("classification/panel.html", takes_context=True)
def classification_panel(context: template.Context, obj: Any) -> dict[str, Any]:
    """The staff panel on an object's page: ask for a change, name people, read 個人番号."""
    request = _request_of(context)
    user = getattr(request, "user", None)
    label = obj._meta.label_lower
    may_grant = actions.may_grant(user, obj)
    holder = mynumber.holder_in_family(obj)
    return {
        "obj": obj,
        "object_type": label,
        "tier": str(obj.classification),
        "tier_label": tier_label(obj.classification),
        "choices": [(t, tier_label(t)) for t in TIERS if t != obj.classification],
        "open_requests": _open_requests(object_public_id=obj.public_id),
        "may_grant": may_grant,
        "grants": NeedToKnowGrant.objects.active().filter(object_public_id=obj.public_id).select_related("user")
        if may_grant
        else [],
        "my_number_holder": holder,
        "my_number_type": holder._meta.label_lower if holder is not None else "",
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
