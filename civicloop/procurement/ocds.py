# SPDX-License-Identifier: MPL-2.0
"""The procurement record as Open Contracting Data Standard 1.1.5 releases, records and packages.

One contracting process per published tender (and per approved direct award from the catalogue),
with the `ocid` `{OCDS_OCID_PREFIX}-{reference}`. Each stage the public may know of becomes a
release, and each release repeats everything known at its date (so merging them is a no-op check):

- `tender` when the tender is published (the estimate is withheld: 予定価格 is published only with
  the award),
- `tenderUpdate` at the opening (开札): the number of tenderers and who they were,
- `award` when the award is notified (standstill: OCDS `pending`; after the contract: `active`),
- `contract` when the contract is signed,
- `tenderCancellation` for a cancelled tender.

Only OFFICIAL records are published, never a bid's price or proposal, a score or an evaluator. The
record's compiled release is made by `ocdsmerge`, the Open Contracting Partnership's merge library,
from the vendored schema (`ocds_schema/`), and `validate` checks packages against that schema
offline (jsonschema + referencing). The public notices page and the governance indicators read the
same compiled releases, so the page, the dashboard and the files never disagree.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ocdsmerge
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from civicloop.accounts.models import Department
from civicloop.core.models import AuditEntry, Classification
from civicloop.procurement.models import (
    ApprovalStatus,
    Award,
    AwardStatus,
    BidStatus,
    Contract,
    DirectAward,
    Lot,
    PriceApproach,
    Supplier,
    SupplierSize,
    Tender,
    TenderStatus,
)

SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
VERSION = "1.1"
TOKYO = ZoneInfo("Asia/Tokyo")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
# org-id.guide's list for Japan's 法人番号 (Corporate Number, National Tax Agency).
CORPORATE_NUMBER_SCHEME = "JP-JCN"

TENDER_STATUS = {
    TenderStatus.PUBLISHED: "active",
    TenderStatus.OPENED: "active",
    TenderStatus.EVALUATED: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.CONTRACTED: "complete",
    TenderStatus.CANCELLED: "cancelled",
}
AWARD_CRITERIA = {
    PriceApproach.LOWEST_PRICE: "priceOnly",
    PriceApproach.MOST_ADVANTAGEOUS: "ratedCriteria",
    PriceApproach.FIXED_PRICE: "qualityOnly",
}
PROCUREMENT_METHOD_DETAILS = {
    "open": ("一般競争入札", "Open competitive tendering"),
    "direct": ("随意契約", "Direct award"),
}
# OCDS's guidance on organization scale: "micro", "sme" or "large".
SCALE = {
    SupplierSize.MICRO: "micro",
    SupplierSize.SMALL: "sme",
    SupplierSize.MEDIUM: "sme",
    SupplierSize.LARGE: "large",
}


def stamp(moment: datetime) -> str:
    """An OCDS date-time: ISO 8601 with the Asia/Tokyo offset, whole seconds."""
    return timezone.localtime(moment, TOKYO).replace(microsecond=0).isoformat()


def day_start(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=TOKYO).isoformat()


def day_end(day: date) -> str:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=TOKYO).isoformat()


def ocid_for(tender: Tender) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{tender.reference}"


def direct_ocid_for(direct: DirectAward) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-direct-{direct.public_id}"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "JPY"}


# Parties --------------------------------------------------------------------------------------------


def buyer_party(department: Department) -> dict[str, Any]:
    return {
        "id": f"{settings.LG_CODE}-{department.code}",
        "name": f"{settings.LG_NAME_JA} {department.name}",
        "identifier": {"scheme": "JP-LGCODE", "id": settings.LG_CODE, "legalName": settings.LG_NAME_JA},
        "roles": ["buyer", "procuringEntity"],
    }


def supplier_party(supplier: Supplier, roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": f"{CORPORATE_NUMBER_SCHEME}-{supplier.corporate_number}",
        "name": supplier.name,
        "identifier": {
            "scheme": CORPORATE_NUMBER_SCHEME,
            "id": supplier.corporate_number,
            "legalName": supplier.name,
        },
        "address": {"streetAddress": supplier.address, "countryName": "日本"},
        "details": {"scale": SCALE[SupplierSize(supplier.size)]},
        "roles": roles,
    }
    if supplier.name_en:
        party["name_en"] = supplier.name_en
    if supplier.postcode:
        party["address"]["postalCode"] = supplier.postcode
    return party


def reference_to(party: dict[str, Any]) -> dict[str, str]:
    return {"id": party["id"], "name": party["name"]}


# Releases of one tender ---------------------------------------------------------------------------


def tender_releases(tender: Tender) -> list[dict[str, Any]]:
    """The releases of a published tender, oldest first, each with everything known at its date."""
    if tender.published_at is None or tender.status == TenderStatus.DRAFT:
        return []
    buyer = buyer_party(tender.department)
    parties: dict[str, dict[str, Any]] = {buyer["id"]: buyer}
    section = tender_section(tender, buyer)
    releases = [release(tender, "tender", tender.published_at, parties, section)]
    if tender.status == TenderStatus.CANCELLED:
        section = cancelled_section(tender, section)
        releases.append(release(tender, "tenderCancellation", cancelled_at(tender), parties, section))
        return releases
    opening = getattr(tender, "opening", None)
    if opening is None:
        return releases
    tenderers = [bid.supplier for bid in tender.bids.filter(status__in=[BidStatus.OPENED, BidStatus.INELIGIBLE])]
    for supplier in tenderers:
        party = supplier_party(supplier, ["tenderer"])
        parties[party["id"]] = party
    section = {
        **section,
        "numberOfTenderers": len(tenderers),
        "tenderers": [reference_to(supplier_party(s, [])) for s in tenderers],
    }
    releases.append(release(tender, "tenderUpdate", opening.opened_at, parties, section))
    award = getattr(tender, "award", None)
    if award is None or award.status == AwardStatus.PENDING_APPROVAL or award.standstill_ends_at is None:
        return releases
    winner = supplier_party(award.supplier, ["tenderer", "supplier"])
    parties[winner["id"]] = winner
    # 予定価格 is made public with the result.
    section = {**section, "value": money(tender.estimate), "awardPeriod": {"startDate": stamp(award.decided_at)}}
    awards = [award_section(award, winner)]
    # Notified when the standstill began (after the 決裁, where the amount needed one).
    notified = award.standstill_ends_at - timedelta(days=tender.standstill_days)
    releases.append(release(tender, "award", max(notified, opening.opened_at), parties, section, awards=awards))
    contract = getattr(award, "contract", None)
    if contract is None:
        return releases
    section = {**section, "status": "complete"}
    awards = [award_section(award, winner)]
    contracts = [contract_section(contract, str(award.public_id))]
    releases.append(
        release(tender, "contract", contract.signed_at, parties, section, awards=awards, contracts=contracts)
    )
    return releases


def cancelled_at(tender: Tender) -> datetime:
    """When the tender was cancelled (the release's date and id must not move).

    Tenders cancelled before `Tender.cancelled_at` existed take the time of their audit entry.
    """
    if tender.cancelled_at is not None:
        return tender.cancelled_at
    entry = (
        AuditEntry.objects.filter(action="procurement.tender_cancelled", object_id=str(tender.public_id))
        .values_list("time", flat=True)
        .first()
    )
    return entry or tender.bid_deadline


# The id of the cancellation's document in `tender.documents` (one per tender, never a file).
CANCELLATION_DOCUMENT_ID = "cancellation"


def cancelled_section(tender: Tender, section: dict[str, Any]) -> dict[str, Any]:
    """The tender section of a `tenderCancellation` release: status `cancelled` and the reason.

    OCDS 1.1.5 has no field for why a tender was cancelled. The reason goes where the standard
    allows: a document of the codelist's type `cancellationDetails` whose `description` holds it,
    and `tender.statusDetails`, an additional field in 1.1.5 (the schema permits additional
    properties) that OCDS 1.2 makes part of the core. Tenders cancelled before the reason was
    stored have neither.
    """
    cancelled = {**section, "status": "cancelled"}
    if not tender.cancel_reason:
        return cancelled
    document = {
        "id": CANCELLATION_DOCUMENT_ID,
        "documentType": "cancellationDetails",
        "title": "入札中止の理由",
        "title_en": "Reason for the cancellation",
        "description": tender.cancel_reason,
        "datePublished": stamp(cancelled_at(tender)),
        "language": "ja",
    }
    return {
        **cancelled,
        "statusDetails": tender.cancel_reason,
        "documents": [*section.get("documents", []), document],
    }


def tender_section(tender: Tender, buyer: dict[str, Any]) -> dict[str, Any]:
    criteria = list(tender.criteria.all())
    details_ja = "、".join(f"{c.name} {c.weight}" for c in criteria)
    details_en = ", ".join(f"{c.name_en or c.name} {c.weight}" for c in criteria)
    method_ja, method_en = PROCUREMENT_METHOD_DETAILS["open"]
    section: dict[str, Any] = {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.description,
        "status": TENDER_STATUS[TenderStatus(tender.status)],
        "procuringEntity": reference_to(buyer),
        "items": [{"id": lot, "description": str(Lot(lot).label)} for lot in tender.lots if lot in Lot.values],
        "procurementMethod": "open",
        "procurementMethodDetails": method_ja,
        "procurementMethodDetails_en": method_en,
        "mainProcurementCategory": "services",
        "awardCriteria": AWARD_CRITERIA[PriceApproach(tender.price_approach)],
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": stamp(tender.published_at or tender.created_at),
            "endDate": stamp(tender.bid_deadline),
        },
        "enquiryPeriod": {
            "startDate": stamp(tender.published_at or tender.created_at),
            "endDate": stamp(tender.questions_deadline),
        },
        "hasEnquiries": tender.questions.exists(),
        "eligibilityCriteria": f"競争入札参加資格 {tender.minimum_grade}等級以上",
        "eligibilityCriteria_en": f"Bidding qualification grade {tender.minimum_grade} or higher",
        "documents": [
            {
                "id": str(document.public_id),
                "documentType": "tenderNotice",
                "title": document.title,
                "url": absolute(reverse("procurement-notices:document", args=[document.public_id])),
                "format": document.content_type or "application/octet-stream",
                "language": "ja",
            }
            for document in tender.documents.filter(classification=Classification.OFFICIAL)
        ],
    }
    if details_ja:
        section["awardCriteriaDetails"] = details_ja
        section["awardCriteriaDetails_en"] = details_en
    if tender.title_en:
        section["title_en"] = tender.title_en
    if tender.description_en:
        section["description_en"] = tender.description_en
    return section


def award_section(award: Award, winner: dict[str, Any]) -> dict[str, Any]:
    confirmed = award.status == AwardStatus.CONFIRMED or hasattr(award, "contract")
    status = "cancelled" if award.status == AwardStatus.CANCELLED else "active" if confirmed else "pending"
    section = {
        "id": str(award.public_id),
        "title": award.tender.title,
        "status": status,
        "date": stamp(award.decided_at),
        "value": money(award.value),
        "suppliers": [reference_to(winner)],
    }
    if award.tender.title_en:
        section["title_en"] = award.tender.title_en
    return section


def contract_section(contract: Contract, award_id: str) -> dict[str, Any]:
    today = timezone.localdate()
    status = "pending" if today < contract.starts_on else "terminated" if today > contract.ends_on else "active"
    return {
        "id": str(contract.public_id),
        "awardID": award_id,
        "title": contract.title,
        "status": status,
        "period": {"startDate": day_start(contract.starts_on), "endDate": day_end(contract.ends_on)},
        "value": money(contract.value),
        "dateSigned": stamp(contract.signed_at),
    }


def release(
    tender: Tender,
    tag: str,
    moment: datetime,
    parties: dict[str, dict[str, Any]],
    section: dict[str, Any],
    *,
    awards: list[dict[str, Any]] | None = None,
    contracts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    ocid = ocid_for(tender)
    return assemble(ocid, tag, moment, parties, section, awards, contracts)


def assemble(
    ocid: str,
    tag: str,
    moment: datetime,
    parties: dict[str, dict[str, Any]],
    section: dict[str, Any],
    awards: list[dict[str, Any]] | None,
    contracts: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    buyer = next(p for p in parties.values() if "buyer" in p["roles"])
    data: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{tag}-{timezone.localtime(moment, TOKYO):%Y%m%dT%H%M%S}",
        "date": stamp(moment),
        "tag": [tag],
        "initiationType": "tender",
        "language": "ja",
        "parties": [json.loads(json.dumps(p)) for p in parties.values()],
        "buyer": reference_to(buyer),
        "tender": json.loads(json.dumps(section)),
    }
    if awards:
        data["awards"] = awards
    if contracts:
        data["contracts"] = contracts
    return data


# Direct awards from the catalogue ------------------------------------------------------------------


def direct_award_releases(direct: DirectAward) -> list[dict[str, Any]]:
    """随意契約: one `award` release (the catalogue search that justified it is the rationale) and the contract."""
    if direct.approval_status not in (ApprovalStatus.APPROVED, ApprovalStatus.NOT_REQUIRED):
        return []
    ocid = direct_ocid_for(direct)
    buyer = buyer_party(direct.department)
    winner = supplier_party(direct.supplier, ["supplier"])
    parties = {buyer["id"]: buyer, winner["id"]: winner}
    method_ja, method_en = PROCUREMENT_METHOD_DETAILS["direct"]
    section = {
        "id": f"direct-{direct.public_id}",
        "title": direct.title,
        "status": "complete",
        "procuringEntity": reference_to(buyer),
        "items": [{"id": direct.service.lot, "description": str(Lot(direct.service.lot).label)}],
        "procurementMethod": "direct",
        "procurementMethodDetails": method_ja,
        "procurementMethodDetails_en": method_en,
        "procurementMethodRationale": direct.reason,
        "mainProcurementCategory": "services",
    }
    award = {
        "id": str(direct.public_id),
        "title": direct.title,
        "status": "active",
        "date": stamp(direct.created_at),
        "value": money(direct.value),
        "suppliers": [reference_to(winner)],
    }
    releases = [assemble(ocid, "award", direct.created_at, parties, section, [award], None)]
    contract = getattr(direct, "contract", None)
    if contract is not None:
        contracts = [contract_section(contract, str(direct.public_id))]
        releases.append(assemble(ocid, "contract", contract.signed_at, parties, section, [award], contracts))
    return releases


# Everything published ------------------------------------------------------------------------------


def published_tenders() -> Iterable[Tender]:
    # Cancelled ones too, once they were published: the cancellation is news for the bidders.
    return (
        Tender.objects.exclude(status=TenderStatus.DRAFT)
        .filter(published_at__isnull=False, classification=Classification.OFFICIAL)
        .select_related("department", "opening", "award__supplier", "award__contract")
        .prefetch_related("criteria", "documents", "bids__supplier")
        .order_by("published_at", "pk")
    )


def published_direct_awards() -> Iterable[DirectAward]:
    return (
        DirectAward.objects.filter(classification=Classification.OFFICIAL)
        .select_related("department", "supplier", "service", "contract")
        .order_by("created_at", "pk")
    )


def all_processes() -> Iterator[list[dict[str, Any]]]:
    """Every published contracting process as its list of releases (never empty)."""
    for tender in published_tenders():
        if releases := tender_releases(tender):
            yield releases
    for direct in published_direct_awards():
        if releases := direct_award_releases(direct):
            yield releases


@cache
def release_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    return schema


@cache
def merger() -> ocdsmerge.Merger:
    return ocdsmerge.Merger(schema=release_schema())


def compiled(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The process as it stands, merged from its releases by ocdsmerge (OCDS merge routine)."""
    result: dict[str, Any] = merger().create_compiled_release(releases)
    return result


def publisher() -> dict[str, str]:
    return {"name": settings.LG_NAME_JA, "uid": settings.LG_CODE, "scheme": "JP-LGCODE"}


def package_meta(uri: str, published: datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": stamp(published),
        "publisher": publisher(),
        "license": LICENCE_URL,
        "publicationPolicy": absolute(reverse("procurement-notices:list")),
    }


def release_package_uri() -> str:
    return absolute(reverse("procurement-notices:release-package"))


def record_package_uri() -> str:
    return absolute(reverse("procurement-notices:record-package"))


def packages(processes: list[list[dict[str, Any]]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(release package, record package) of everything published, as of now."""
    processes = list(all_processes()) if processes is None else processes
    now = timezone.now()
    release_package = {
        **package_meta(release_package_uri(), now),
        "releases": [r for releases in processes for r in releases],
    }
    record_package = {
        **package_meta(record_package_uri(), now),
        "packages": [release_package_uri()],
        "records": [
            {"ocid": releases[0]["ocid"], "releases": releases, "compiledRelease": compiled(releases)}
            for releases in processes
        ],
    }
    return release_package, record_package


# Validation -----------------------------------------------------------------------------------------


@cache
def registry() -> Registry:
    resources = []
    for name in ("release-schema.json", "release-package-schema.json", "record-package-schema.json"):
        contents = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        resources.append((SCHEMA_BASE + name, Resource.from_contents(contents, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def validator(name: str) -> Draft4Validator:
    schema = registry().contents(SCHEMA_BASE + name)
    return Draft4Validator(schema, registry=registry(), format_checker=FormatChecker())


def errors(package: dict[str, Any], kind: str) -> list[str]:
    """Schema errors of a 'release' or 'record' package, as 'path: message' lines (empty when valid)."""
    found = validator(f"{kind}-package-schema.json").iter_errors(package)
    return sorted(f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in found)
