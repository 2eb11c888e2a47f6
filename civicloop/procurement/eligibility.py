# SPDX-License-Identifier: MPL-2.0
"""Whether a supplier may bid a service in a tender: the tender's published eligibility rules."""

from datetime import date

from django.utils.translation import gettext as _

from civicloop.procurement.models import (
    GRADE_RANK,
    Grade,
    SecurityDeclaration,
    Service,
    Supplier,
    Tender,
    VerificationStatus,
)


def reasons_not_eligible(*, supplier: Supplier, service: Service, tender: Tender, day: date) -> list[str]:
    """Why `supplier` may not bid `service` for `tender` on `day`: empty when it may.

    Eligibility: an approved supplier, its approved service in one of the tender's lots with a
    security declaration still current, and an approved qualification valid that day with at
    least the tender's minimum grade.
    """
    reasons = []
    if supplier.status != VerificationStatus.APPROVED:
        reasons.append(_("The company is not approved yet."))
    if service.supplier_id != supplier.pk or service.status != VerificationStatus.APPROVED:
        reasons.append(_("The service is not an approved service of this company."))
    if service.lot not in tender.lots:
        reasons.append(_("The service is not in one of this tender's lots."))
    declaration = SecurityDeclaration.objects.filter(service=service).first()
    if declaration is None or not declaration.is_current_on(day):
        reasons.append(_("The service's security declaration has expired."))
    grades = [g for g, rank in GRADE_RANK.items() if rank <= GRADE_RANK[Grade(tender.minimum_grade)]]
    qualified = supplier.qualifications.filter(
        status=VerificationStatus.APPROVED, grade__in=grades, valid_from__lte=day, valid_until__gte=day
    )
    if not qualified.exists():
        reasons.append(_("No approved qualification of grade %(grade)s or above.") % {"grade": tender.minimum_grade})
    return reasons
