# SPDX-License-Identifier: MPL-2.0
"""The public procurement notices (入札公告・落札結果・契約) and the OCDS files, for anyone.

The page is drawn from the same compiled releases as the OCDS export (`ocds.py`), so what the
public reads here and what a data user downloads can't disagree. Nothing here needs a sign-in:
only OFFICIAL tenders past their publication, their OFFICIAL documents, awards once notified and
contracts once signed are in the releases.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from civicloop.core.models import Classification
from civicloop.procurement import ocds
from civicloop.procurement.models import (
    Award,
    BidOpening,
    Contract,
    DirectAward,
    Question,
    Tender,
    TenderDocument,
    TenderStatus,
)

# The packages are cached under a fingerprint of what they are made of, so a new stage (a tender
# published, bids opened, an award notified, a contract signed, a cancellation) shows at once.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Notice:
    """One contracting process as the page shows it, read from its compiled release."""

    ocid: str
    title: str
    buyer: str
    method: str
    status: str
    bid_deadline: datetime | None
    questions_deadline: datetime | None
    tenderers: int | None
    award_value: int | None
    award_date: datetime | None
    award_pending: bool
    supplier: str
    estimate: int | None
    contract_value: int | None
    contract_start: datetime | None
    contract_end: datetime | None
    description: str
    award_criteria: str
    documents: list[dict[str, Any]]
    cancel_reason: str
    release: dict[str, Any]

    @property
    def is_open(self) -> bool:
        return self.status == "active" and self.bid_deadline is not None and self.bid_deadline > timezone.now()


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _localized(section: dict[str, Any], key: str) -> str:
    """The English variant (`title_en`) on English pages where there is one, else the Japanese."""
    if get_language() == "en" and section.get(f"{key}_en"):
        return str(section[f"{key}_en"])
    return str(section.get(key, ""))


def notice(compiled: dict[str, Any]) -> Notice:
    tender = compiled.get("tender", {})
    awards = compiled.get("awards", [])
    contracts = compiled.get("contracts", [])
    award = awards[-1] if awards else {}
    contract = contracts[-1] if contracts else {}
    buyer = compiled.get("buyer", {}).get("name", "")
    return Notice(
        ocid=compiled["ocid"],
        title=_localized(tender, "title"),
        buyer=buyer,
        method=_localized(tender, "procurementMethodDetails"),
        status=tender.get("status", ""),
        bid_deadline=_when(tender.get("tenderPeriod", {}).get("endDate")),
        questions_deadline=_when(tender.get("enquiryPeriod", {}).get("endDate")),
        tenderers=tender.get("numberOfTenderers"),
        award_value=award.get("value", {}).get("amount"),
        award_date=_when(award.get("date")),
        award_pending=award.get("status") == "pending",
        supplier=", ".join(s["name"] for s in award.get("suppliers", [])),
        estimate=tender.get("value", {}).get("amount"),
        contract_value=contract.get("value", {}).get("amount"),
        contract_start=_when(contract.get("period", {}).get("startDate")),
        contract_end=_when(contract.get("period", {}).get("endDate")),
        description=_localized(tender, "description"),
        award_criteria=_localized(tender, "awardCriteriaDetails"),
        # Files to download; the cancellation's document has no file, its reason is shown apart.
        documents=[d for d in tender.get("documents", []) if d.get("url")],
        cancel_reason=str(tender.get("statusDetails", "")) if tender.get("status") == "cancelled" else "",
        release=compiled,
    )


def fingerprint() -> str:
    """Counts and latest times of everything the releases are made of: seven small aggregate queries."""
    parts = [
        Tender.objects.aggregate(n=Count("pk"), t=Max("published_at"), c=Count("pk", filter=Q(status="cancelled"))),
        BidOpening.objects.aggregate(n=Count("pk"), t=Max("opened_at")),
        Award.objects.aggregate(
            n=Count("pk"), t=Max("standstill_ends_at"), s=Count("pk", filter=Q(status="confirmed"))
        ),
        Contract.objects.aggregate(n=Count("pk"), t=Max("signed_at")),
        DirectAward.objects.aggregate(n=Count("pk"), a=Count("pk", filter=Q(approval_status="approved"))),
        Question.objects.count(),
        TenderDocument.objects.count(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def cached_packages() -> tuple[dict[str, Any], dict[str, Any]]:
    key = f"procurement:ocds:{fingerprint()}:{timezone.localdate()}"  # contract status moves with the date
    built: tuple[dict[str, Any], dict[str, Any]] | None = cache.get(key)
    if built is None:
        built = ocds.packages()
        cache.set(key, built, CACHE_SECONDS)
    return built


def notices() -> list[Notice]:
    _, records = cached_packages()
    return [notice(record["compiledRelease"]) for record in records["records"]]


def notice_list(request: HttpRequest) -> HttpResponse:
    every = notices()
    open_tenders = sorted((n for n in every if n.is_open), key=lambda n: n.bid_deadline or timezone.now())
    awarded = sorted((n for n in every if n.award_value is not None), key=lambda n: n.award_date or timezone.now())
    awarded.reverse()
    closed = [n for n in every if not n.is_open and n.award_value is None and n.status != "cancelled"]
    cancelled = [n for n in every if n.status == "cancelled"]
    return render(
        request,
        "procurement_notices/list.html",
        {"open_tenders": open_tenders, "awarded": awarded, "closed": closed, "cancelled": cancelled},
    )


def notice_detail(request: HttpRequest, ocid: str) -> HttpResponse:
    found = next((n for n in notices() if n.ocid == ocid), None)
    if found is None:
        raise Http404
    return render(request, "procurement_notices/detail.html", {"notice": found})


def tender_document(request: HttpRequest, public_id: str) -> FileResponse:
    """A published tender's OFFICIAL document (仕様書, 入札説明書), for anyone."""
    document = (
        TenderDocument.objects.filter(public_id=public_id, classification=Classification.OFFICIAL)
        .exclude(tender__status__in=[TenderStatus.DRAFT, TenderStatus.CANCELLED])
        .filter(tender__classification=Classification.OFFICIAL)
        .first()
    )
    if document is None:
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.title,
        content_type=document.content_type or "application/octet-stream",
    )


def _package(kind: str) -> JsonResponse:
    release_package, record_package = cached_packages()
    if not release_package["releases"]:
        raise Http404("No procurement has been published yet.")
    data = release_package if kind == "release" else record_package
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="ocds-{kind}-package.json"'
    return response


def release_package(request: HttpRequest) -> JsonResponse:
    return _package("release")


def record_package(request: HttpRequest) -> JsonResponse:
    return _package("record")
