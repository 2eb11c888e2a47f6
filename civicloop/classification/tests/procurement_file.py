# SPDX-License-Identifier: MPL-2.0
"""The procurement part of the world: one department's tender, bid, document and direct award at a tier.

Each case file of the world (conftest.py) has one, `procurement_of(file)`, owned by the case's
department (清掃リサイクル課) and labelled with the file's tier, so the access matrix asks the same
question of procurement's read paths as of the case's: may this member of staff, on this device,
see a record of 清掃課 at this tier? It is made the first time it is asked for in a test (the
matrix's need-to-know grants ask first), so tests that never look at procurement don't pay for it.
Built with the ORM (no action checks authority here: the world is given, not made). The tender
is published and its bid sealed, as most of a tender's life is; the bidder's name is shown only
to who may work the tender (its page's bid table).
"""

import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.classification.tests.conftest import CaseFile
from civicloop.procurement.corporate_number import check_digit
from civicloop.procurement.models import (
    ApprovalStatus,
    Bid,
    Criterion,
    DirectAward,
    Grade,
    Lot,
    PriceApproach,
    Service,
    Supplier,
    SupplierSize,
    Tender,
    TenderDocument,
    TenderStatus,
    VerificationStatus,
)
from civicloop.testing.factories import StaffFactory

PROCUREMENT_MARK = "PROCUREMENT-MARK"


@dataclass
class ProcurementFile:
    tier: str
    tender: Tender
    document: TenderDocument
    bid: Bid
    direct_award: DirectAward

    @property
    def bidder(self) -> str:
        """The bidder's name: on the tender's page for who may work it, nowhere else of the tender."""
        return self.bid.supplier.name

    @property
    def granted_objects(self) -> tuple[Any, ...]:
        """What a need-to-know grant names (the bid and the document are asked about as their tender)."""
        return (self.tender, self.direct_award)

    def tender_names(self) -> list[str]:
        """What names the tender on a page: its number, its public id, its title."""
        return [self.tender.reference, str(self.tender.public_id), self.tender.title]


def _supplier(key: str) -> tuple[Supplier, Service, User]:
    base = f"0300{zlib.crc32(key.encode()) % 10**8:08d}"  # a made-up 法人番号, one per key
    account = User.objects.create_user(
        username=f"bidder-{key}@example.co.jp", email=f"bidder-{key}@example.co.jp", kind=User.Kind.SUPPLIER
    )
    supplier = Supplier.objects.create(
        corporate_number=f"{check_digit(base)}{base}",
        name=f"{PROCUREMENT_MARK} bidder {key}",
        size=SupplierSize.SMALL,
        address="東京都",
        contact_name="担当",
        contact_email=account.email,
        status=VerificationStatus.APPROVED,
    )
    supplier.users.add(account)
    service = Service.objects.create(
        supplier=supplier, lot=Lot.SOFTWARE, name=f"service {key}", summary="-", status=VerificationStatus.APPROVED
    )
    return supplier, service, account


def procurement_of(file: CaseFile) -> ProcurementFile:
    """The procurement records beside `file`: found by the tender's number, made on the first call."""
    key = file.application.public_id.hex[:18]
    tender = Tender.objects.filter(reference=f"M-{key}").first()
    if tender is None:
        return build_procurement_file(file.case.department, file.tier, key)
    return ProcurementFile(
        file.tier,
        tender,
        tender.documents.get(),
        tender.bids.select_related("supplier").get(),
        DirectAward.objects.get(title=f"{PROCUREMENT_MARK} direct award {key}"),
    )


def build_procurement_file(department: Department, tier: str, key: str) -> ProcurementFile:
    """`department`'s published tender at `tier` with one sealed bid and one document; a direct award."""
    buyer = StaffFactory.create(department=department.code, username=f"buyer-{key}")
    supplier, service, account = _supplier(key)
    now = timezone.now()
    tender = Tender.objects.create(
        reference=f"M-{key}",
        department=department,
        title=f"{PROCUREMENT_MARK} tender {key}",
        description=f"{PROCUREMENT_MARK} requirement {key}",
        lots=[Lot.SOFTWARE],
        minimum_grade=Grade.D,
        price_approach=PriceApproach.LOWEST_PRICE,
        estimate=1_000_000,
        questions_deadline=now + timedelta(days=7),
        bid_deadline=now + timedelta(days=14),
        status=TenderStatus.PUBLISHED,
        published_at=now,
        created_by=buyer,
        classification=tier,
    )
    Criterion.objects.create(
        tender=tender, name="価格", name_en="Price", weight=100, is_price=True, classification=tier
    )
    document = TenderDocument.objects.create(
        tender=tender,
        title=f"{PROCUREMENT_MARK} specification {key}",
        file=ContentFile(b"%PDF-1.4 specification", name="spec.pdf"),
        content_type="application/pdf",
        classification=tier,
    )
    bid = Bid.objects.create(
        tender=tender, supplier=supplier, service=service, submitted_by=account, submitted_at=now, classification=tier
    )
    direct_award = DirectAward.objects.create(
        department=department,
        service=service,
        supplier=supplier,
        title=f"{PROCUREMENT_MARK} direct award {key}",
        value=300_000,
        reason="-",
        search={},
        approval_status=ApprovalStatus.NOT_REQUIRED,
        created_by=buyer,
        created_at=now,
        classification=tier,
    )
    return ProcurementFile(tier, tender, document, bid, direct_award)
