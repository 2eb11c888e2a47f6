# SPDX-License-Identifier: MPL-2.0
"""The service catalogue's faceted search: approved services, by words, lot, security and price.

Facets: `lot`, `ismap` (ismap / ismap_liu / any), `iso27001`, `privacy_mark`, `data_location`,
`local` (suppliers in the municipality), `sme`. A direct award freezes the search it relied on
(`freeze_search`): the query, the facets, the time and every result as it stood.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from civicloop.classification.policy import NO_CONTEXT, Context
from civicloop.core.text import fold
from civicloop.procurement.access import catalogue_for
from civicloop.procurement.models import SME_SIZES, IsmapStatus, Service

FACETS = ("lot", "ismap", "iso27001", "privacy_mark", "data_location", "local", "sme")


def search_services(
    query: str, facets: Mapping[str, str], *, user: Any, context: Context = NO_CONTEXT
) -> "QuerySet[Service]":
    """Approved catalogue services `user` may see (access.catalogue_for) matching every word of
    `query` and every facet given."""
    services = catalogue_for(user, context).approved().select_related("supplier", "security")
    for word in query.split():
        services = services.filter(search_text__contains=fold(word))
    today = timezone.localdate()
    services = services.filter(security__expires_on__gte=today)
    if facets.get("lot"):
        services = services.filter(lot=facets["lot"])
    if facets.get("ismap") == "any":
        services = services.exclude(security__ismap=IsmapStatus.NONE)
    elif facets.get("ismap") in (IsmapStatus.ISMAP, IsmapStatus.ISMAP_LIU):
        services = services.filter(security__ismap=facets["ismap"])
    if facets.get("iso27001"):
        services = services.filter(security__iso27001=True)
    if facets.get("privacy_mark"):
        services = services.filter(security__privacy_mark=True)
    if facets.get("data_location"):
        services = services.filter(security__data_location=facets["data_location"])
    if facets.get("local"):
        services = services.filter(supplier__is_local=True)
    if facets.get("sme"):
        services = services.filter(supplier__size__in=SME_SIZES)
    return services.order_by("unit_price", "name")


def facet_counts(
    query: str, facets: Mapping[str, str], *, user: Any, context: Context = NO_CONTEXT
) -> dict[str, dict[str, int]]:
    """For each lot, how many services the search finds with the other facets kept."""
    others = {k: v for k, v in facets.items() if k != "lot"}
    rows = search_services(query, others, user=user, context=context).order_by().values("lot").annotate(n=Count("pk"))
    return {"lot": {row["lot"]: row["n"] for row in rows}}


def freeze_search(query: str, facets: Mapping[str, str], *, user: Any, context: Context = NO_CONTEXT) -> dict[str, Any]:
    """The search as it stands now, as `user` ran it, to keep with a direct award."""
    kept = {k: str(v) for k, v in facets.items() if k in FACETS and v}
    results = [
        {
            "service": str(s.public_id),
            "supplier": str(s.supplier.public_id),
            "supplier_name": s.supplier.name,
            "name": s.name,
            "lot": s.lot,
            "unit_price": s.unit_price,
        }
        for s in search_services(query, kept, user=user, context=context)
    ]
    return {"query": query, "facets": kept, "at": timezone.now().isoformat(), "results": results}
