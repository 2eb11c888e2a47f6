# SPDX-License-Identifier: MPL-2.0
"""Suppliers register themselves, add their qualification and services; 契約課 verifies each."""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import User
from civicloop.classification.policy import Action, NotPermitted
from civicloop.core import pdf
from civicloop.core.files import detect_mime
from civicloop.core.text import fold
from civicloop.procurement.actions.recording import record, require
from civicloop.procurement.errors import DocumentRejected, DocumentReviewed, WrongState
from civicloop.procurement.models import (
    Decision,
    Qualification,
    SecurityDeclaration,
    Service,
    Supplier,
    SupplierDocument,
    Verification,
    VerificationStatus,
)

# The declaration's fields a supplier fills (SecurityDeclaration), in the order of the form.
SECURITY_FIELDS = (
    "ismap",
    "ismap_registration",
    "iso27001",
    "iso27001_certificate",
    "privacy_mark",
    "privacy_mark_number",
    "data_location",
    "encrypted_at_rest",
    "encrypted_in_transit",
    "authentication",
    "incident_response",
    "expires_on",
)


@transaction.atomic
def register_supplier(*, email: str, password: str, person_name: str, company: Mapping[str, Any]) -> Supplier:
    """A company registers itself: a supplier account (second factor next) and a supplier awaiting 契約課.

    `company` holds Supplier's fields (corporate_number, name, size, address, contacts …), already
    checked by the form; the model validates the 法人番号 again.
    """
    user = User(username=email.lower(), email=email.lower(), kind=User.Kind.SUPPLIER, full_name=person_name)
    user.set_password(password)
    user.save()
    supplier = Supplier(**company)
    supplier.full_clean(exclude=["users"])
    supplier.save()
    supplier.users.add(user)
    record(user, "supplier_registered", supplier, {"size": supplier.size, "is_local": supplier.is_local})
    return supplier


@transaction.atomic
def add_qualification(
    *, actor: User, supplier: Supplier, categories: Sequence[str], grade: str, valid_from: date, valid_until: date
) -> Qualification:
    """競争入札参加資格 as the supplier holds it; counts once 契約課 approves it."""
    require(actor, Action.WORK, supplier)
    qualification = Qualification.objects.create(
        supplier=supplier, categories=list(categories), grade=grade, valid_from=valid_from, valid_until=valid_until
    )
    record(actor, "qualification_added", qualification, {"supplier": str(supplier.public_id), "grade": grade})
    return qualification


# 登記事項証明書, 納税証明書 and certificates are scans or PDFs of a few pages.
DOCUMENT_MAX_MB = 10
DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def check_supplier_document(upload: "UploadedFile[bytes]") -> tuple[str, str, int, str]:
    """(name, type, size, SHA-256) of an acceptable upload; DocumentRejected says what is wrong with it.

    The type is read from the file's bytes, not its name; a PDF must hold nothing that runs, since
    契約課 will open it (civicloop/core/pdf.py), as for residents' attachments.
    """
    name = (upload.name or "file")[-200:]
    size = upload.size or 0
    if size == 0:
        raise DocumentRejected(_("%(name)s is empty. Choose the file again.") % {"name": name})
    if size > min(DOCUMENT_MAX_MB * 1024 * 1024, settings.UPLOAD_MAX_BYTES):
        raise DocumentRejected(
            _("%(name)s is larger than %(mb)s MB. Make it smaller and try again.")
            % {"name": name, "mb": DOCUMENT_MAX_MB}
        )
    mime = detect_mime(upload) or ""
    if mime not in DOCUMENT_TYPES:
        raise DocumentRejected(
            _("%(name)s is not a %(types)s file (its content was checked, not its name).")
            % {"name": name, "types": "PDF / JPEG / PNG"}
        )
    if mime == "application/pdf" and (problem := pdf.refusal(upload, name)):
        raise DocumentRejected(problem)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return name, mime, size, digest.hexdigest()


def add_supplier_document(
    *, actor: User, supplier: Supplier, title: str, upload: "UploadedFile[bytes]"
) -> SupplierDocument:
    """A registration document (登記事項証明書, 納税証明書, a certificate) for 契約課 to verify against.

    Checked before anything is written (`check_supplier_document`); stored at the company's tier.
    """
    require(actor, Action.WORK, supplier)
    name, mime, size, sha256 = check_supplier_document(upload)
    with transaction.atomic():
        document = SupplierDocument(
            supplier=supplier,
            title=title.strip() or name,
            content_type=mime,
            original_name=name,
            size=size,
            sha256=sha256,
            classification=supplier.classification,
        )
        document.file.save(document.public_id.hex, upload, save=False)
        document.save()
        record(
            actor,
            "supplier_document_added",
            document,
            {"supplier": str(supplier.public_id), "content_type": mime, "size": size},
        )
    return document


def delete_supplier_document(*, actor: User, document: SupplierDocument) -> SupplierDocument:
    """The company withdraws a document it uploaded, until 契約課 has reviewed it (`with_review`).

    Its own accounts only: 契約課 never deletes a company's evidence. The audit entry keeps what
    the file was (title, name, type, size, SHA-256) after the file is gone; the stored file is
    removed once the deletion has committed, so a refusal or a rollback loses nothing. The company's
    row is locked first, as `verify` locks it for a decision on the company.
    """
    if not actor.is_supplier:
        raise NotPermitted("only the company's own accounts delete its documents")
    require(actor, Action.EDIT, document)
    with transaction.atomic():
        Supplier.objects.select_for_update().get(pk=document.supplier_id)
        locked = SupplierDocument.objects.select_for_update().with_review().get(pk=document.pk)
        if locked.is_reviewed:  # type: ignore[attr-defined]
            raise DocumentReviewed(
                _("契約課 has reviewed %(title)s since it was uploaded: it is kept. Add a newer document instead.")
                % {"title": locked.title}
            )
        record(
            actor,
            "supplier_document_deleted",
            locked,
            {"supplier": str(locked.supplier.public_id), "content_type": locked.content_type, "size": locked.size},
            audit_facts={"sha256": locked.sha256, "title": locked.title, "original_name": locked.original_name},
        )
        stored: str = locked.file.name or ""
        storage = locked.file.storage
        locked.delete()
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
    return locked


def _search_text(service: Service) -> str:
    parts = [service.name, service.name_en, service.summary, service.supplier.name, *map(str, service.features)]
    return fold(" ".join(p for p in parts if p))


@transaction.atomic
def declare_service(
    *, actor: User, supplier: Supplier, service: Mapping[str, Any], security: Mapping[str, Any]
) -> Service:
    """A service for the catalogue and its security declaration, declared once and reused in every tender."""
    require(actor, Action.WORK, supplier)
    item = Service(supplier=supplier, **service)
    item.search_text = _search_text(item)
    item.save()
    SecurityDeclaration.objects.create(service=item, declared_by=actor, **security)
    record(actor, "service_declared", item, {"supplier": str(supplier.public_id), "lot": item.lot})
    return item


@transaction.atomic
def update_security_declaration(*, actor: User, service: Service, security: Mapping[str, Any]) -> Service:
    """A new declaration replaces the old one; the service goes back to 契約課 before it counts again."""
    require(actor, Action.WORK, service)
    declaration = SecurityDeclaration.objects.select_for_update().get(service=service)
    for name in SECURITY_FIELDS:
        if name in security:
            setattr(declaration, name, security[name])
    declaration.declared_by = actor
    declaration.reminded_for = None
    declaration.save()
    service.status = VerificationStatus.PENDING
    service.save(update_fields=["status"])
    record(actor, "security_declared", service, {"expires_on": declaration.expires_on.isoformat()})
    return service


_STATUS_OF = {
    Decision.APPROVED: VerificationStatus.APPROVED,
    Decision.REJECTED: VerificationStatus.REJECTED,
    Decision.SUSPENDED: VerificationStatus.SUSPENDED,
}


@transaction.atomic
def verify(*, actor: User, subject: Supplier | Qualification | Service, decision: str, note: str = "") -> Verification:
    """契約課's decision on a supplier, a qualification or a service, kept in the history (who, when, why)."""
    require(actor, Action.WORK, subject)
    locked = type(subject).objects.select_for_update().get(pk=subject.pk)
    status = _STATUS_OF[Decision(decision)]
    if locked.status == status:
        raise WrongState(_("This decision was recorded already: %(status)s.") % {"status": status.label})
    supplier = locked if isinstance(locked, Supplier) else locked.supplier
    entry = Verification.objects.create(
        supplier=supplier,
        qualification=locked if isinstance(locked, Qualification) else None,
        service=locked if isinstance(locked, Service) else None,
        decision=decision,
        note=note,
        decided_by=actor,
        decided_at=timezone.now(),
        classification=locked.classification,
    )
    locked.status = status
    locked.save(update_fields=["status"])
    subject.status = status
    kind = type(locked).__name__.lower()
    record(actor, f"{kind}_{decision}", locked, {"supplier": str(supplier.public_id), "verification": entry.pk})
    return entry
