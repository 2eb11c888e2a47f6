# SPDX-License-Identifier: MPL-2.0
"""Issuing a case's result as a PDF signed by the municipality (the only write of this app)."""

import hashlib
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.core import audit, events
from civicloop.core.identifiers import random_code
from civicloop.documents import rendering, signing
from civicloop.documents.models import IssuedDocument, document_path

if TYPE_CHECKING:
    from civicloop.cases.models import Case

# Which outcome each kind can state: a permit or certificate only grants; a refusal notice only refuses.
KIND_OUTCOMES = {
    IssuedDocument.Kind.DECISION_NOTICE: {"approve", "reject"},
    IssuedDocument.Kind.PERMIT: {"approve"},
    IssuedDocument.Kind.CERTIFICATE: {"approve"},
    IssuedDocument.Kind.REFUSAL_NOTICE: {"reject"},
    # A 届出 is complete when it arrives (行政手続法37条): there is nothing to grant, only to receive.
    IssuedDocument.Kind.ACCEPTANCE_NOTICE: {"accept"},
}
TITLES = {
    IssuedDocument.Kind.DECISION_NOTICE: ("決定通知書", "Notice of decision"),
    IssuedDocument.Kind.PERMIT: ("許可書", "Permit"),
    IssuedDocument.Kind.CERTIFICATE: ("証明書", "Certificate"),
    IssuedDocument.Kind.REFUSAL_NOTICE: ("不承認通知書", "Notice of refusal"),
    IssuedDocument.Kind.ACCEPTANCE_NOTICE: ("受理通知書", "Notice of acceptance"),
}
# A clash on the document number (two documents of one department at once) or, far rarer, on the
# verification code: draw again. The number is printed in the PDF, so each try renders anew.
ATTEMPTS = 5


class DocumentInvalid(ValueError):
    """The kind, outcome and reason do not make a lawful document; nothing was issued."""


def issue_document(case: "Case", *, kind: str, issued_by: User, outcome: str, reason: str = "") -> IssuedDocument:
    """Render, sign and store the result document of `case`, and record it; returns the new document.

    - `kind`: "decision_notice", "permit", "certificate", "refusal_notice" or "acceptance_notice"
      (IssuedDocument.Kind).
    - `outcome`: "approve" or "reject" (as in the `case.decided` event), or "accept" for the
      acceptance notice of a 届出. Each kind states only some outcomes. A refusal must carry its
      `reason` (行政手続法8条), which the document prints with the 教示 (審査請求 within 3 months,
      取消訴訟 within 6 months). `DocumentInvalid` when kind, outcome and reason do not fit.

    Runs in the caller's transaction (a savepoint inside it): the row, the `document.issued` event
    and the audit entry commit or roll back with the caller's change. Rendering and signing take a
    few hundred milliseconds, so call it after the case's checks have passed, not before.

    The file is written before the row and deleted again if anything here fails, so there is never
    a row without its file. If the *caller's* transaction rolls back after this returns, the file
    is left unreferenced; `documents.worker.run_once` removes such files after a grace period.

    ImproperlyConfigured when no signing key is configured and the demo is off (signing.material).
    """
    reason = reason.strip()
    _check(kind, outcome, reason)
    for attempt in range(ATTEMPTS):
        try:
            return _issue_once(
                case, kind=IssuedDocument.Kind(kind), issued_by=issued_by, outcome=outcome, reason=reason
            )
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check(kind: str, outcome: str, reason: str) -> None:
    if kind not in IssuedDocument.Kind.values:
        raise DocumentInvalid(f"unknown kind {kind!r}; one of {', '.join(IssuedDocument.Kind.values)}")
    if outcome not in KIND_OUTCOMES[IssuedDocument.Kind(kind)]:
        raise DocumentInvalid(f"a {kind} cannot state the outcome {outcome!r}")
    if outcome == "reject" and not reason:
        raise DocumentInvalid("a refusal must state its reasons (行政手続法8条)")


def _issue_once(
    case: "Case", *, kind: IssuedDocument.Kind, issued_by: User, outcome: str, reason: str
) -> IssuedDocument:
    keys = signing.material()
    now = timezone.now()
    document = IssuedDocument(
        public_id=uuid.uuid4(),
        case=case,
        kind=kind,
        outcome=outcome,
        number=_next_number(case, now.year),
        title_ja=f"{TITLES[kind][0]}（{case.application.procedure_version.name_ja}）",
        title_en=f"{TITLES[kind][1]} ({case.application.procedure_version.name_en})",
        verification_code=random_code("V"),
        issued_at=now,
        issued_by=issued_by,
        signer_sha256=keys.signer_sha256,
        classification=case.classification,
    )
    facts = rendering.DocumentFacts(
        kind=kind,
        outcome=outcome,
        reason=reason,
        number=document.number,
        verification_code=document.verification_code,
        issued_at=now,
        is_demo=keys.is_demo,
    )
    pdf = rendering.render_pdf(rendering.render_html(case, facts))
    signed = signing.sign_pdf(pdf, reason=TITLES[kind][0], location=settings.LG_NAME_JA)
    document.sha256 = hashlib.sha256(signed).hexdigest()
    document.size = len(signed)
    stored = default_storage.save(document_path(document, ""), ContentFile(signed))
    try:
        with transaction.atomic():
            document.file.name = stored
            document.save(force_insert=True)
            _record(document, issued_by)
    except BaseException:
        default_storage.delete(stored)
        raise
    return document


def _next_number(case: "Case", year: int) -> str:
    """文書番号 `<year>-<department>-<serial>`, counted per department and year (a clash is retried)."""
    prefix = f"{year}-{case.department.code}-"
    serial = IssuedDocument.objects.filter(number__startswith=prefix).count() + 1
    return f"{prefix}{serial:05d}"


def _record(document: IssuedDocument, issued_by: User) -> None:
    data = {
        "case": str(document.case.public_id),
        "kind": document.kind,
        "outcome": document.outcome,
        "number": document.number,
        "sha256": document.sha256,
        "department": document.case.department.code,
    }
    events.record(
        "document.issued",
        subject=f"document/{document.public_id}",
        data=data,
        classification=document.classification,
        instance=document,
    )
    audit.record(
        actor=f"user/{issued_by.public_id}",
        action="document.issue",
        object_type="document",
        object_id=str(document.public_id),
        data=data,
        classification=document.classification,
    )
