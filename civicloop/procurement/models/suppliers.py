# SPDX-License-Identifier: MPL-2.0
"""Suppliers, their bidding qualification, their catalogue services and security declarations.

A supplier qualifies once (company, 競争入札参加資格, security per service) and reuses it in every
tender. Staff verify each piece; every decision stays in `Verification` (append-only), so who
approved what is never overwritten by a later decision.
"""

import uuid
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import User
from civicloop.core.models import classification_field
from civicloop.procurement.corporate_number import validate_corporate_number

# 契約課 verifies suppliers and owns their records: the one policy applies to them as to its cases.
CONTRACTS_DEPARTMENT = "keiyaku"


class OwnedByContracts:
    """What the access policy needs (`classification.policy.Protected`): 契約課 owns supplier records."""

    department_code = CONTRACTS_DEPARTMENT
    owner_id: int | None = None
    guest_key = ""


class SupplierSize(models.TextChoices):
    """中小企業基本法 第2条 and the EU/UK SME classes the SME-share indicator uses."""

    MICRO = "micro", _("Micro (小規模)")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


SME_SIZES = (SupplierSize.MICRO, SupplierSize.SMALL, SupplierSize.MEDIUM)


class VerificationStatus(models.TextChoices):
    """Where a supplier, a qualification or a service stands with the staff who verify it."""

    PENDING = "pending", _("Awaiting verification")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class Lot(models.TextChoices):
    """The catalogue's lots (G-Cloud's: hosting, software, support; plus consulting)."""

    HOSTING = "hosting", _("Cloud hosting")
    SOFTWARE = "software", _("Cloud software")
    SUPPORT = "support", _("Cloud support")
    CONSULTING = "consulting", _("Consulting")


class Grade(models.TextChoices):
    """競争入札参加資格の等級: A is the highest (the largest contracts)."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


# A lower number is a higher grade; a tender's minimum grade admits that grade and those above it.
GRADE_RANK = {Grade.A: 0, Grade.B: 1, Grade.C: 2, Grade.D: 3}


def grades_at_least(minimum: str) -> list[str]:
    """The grades that meet `minimum` (minimum C → A, B, C)."""
    return [g for g, rank in GRADE_RANK.items() if rank <= GRADE_RANK[Grade(minimum)]]


class QualificationCategory(models.TextChoices):
    """競争入札参加資格の業種 (物品・役務): the categories a qualification covers."""

    IT_SERVICES = "it_services", _("Information processing services")
    SOFTWARE = "software", _("Software development")
    GOODS = "goods", _("Goods")
    CONSULTING = "consulting", _("Research and consulting")
    FACILITY = "facility", _("Facility management")


class SupplierQuerySet(models.QuerySet["Supplier"]):
    def approved(self) -> "SupplierQuerySet":
        return self.filter(status=VerificationStatus.APPROVED)

    def of_user(self, user: Any) -> "SupplierQuerySet":
        """The suppliers `user` acts for (linked accounts); none for anyone else."""
        if not (isinstance(user, User) and user.is_authenticated):
            return self.none()
        return self.filter(users=user)


class Supplier(OwnedByContracts, models.Model):
    """A company that sells to the municipality: registered by itself, verified by staff."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    corporate_number = models.CharField(
        _("Corporate number"), max_length=13, unique=True, validators=[validate_corporate_number]
    )
    name = models.CharField(_("Company name"), max_length=200)
    name_kana = models.CharField(_("Company name (kana)"), max_length=200, blank=True)
    name_en = models.CharField(_("Company name (English)"), max_length=200, blank=True)
    size = models.CharField(_("Company size"), max_length=8, choices=SupplierSize.choices)
    postcode = models.CharField(_("Postcode"), max_length=8, blank=True)
    address = models.CharField(_("Address"), max_length=400)
    # Within the municipality: the local-SME share is measured on it.
    is_local = models.BooleanField(_("Based in the municipality"), default=False)
    contact_name = models.CharField(_("Contact person"), max_length=200)
    contact_email = models.EmailField(_("Contact e-mail"))
    contact_phone = models.CharField(_("Contact phone"), max_length=20, blank=True)
    users = models.ManyToManyField(User, related_name="suppliers", blank=True, verbose_name=_("Accounts"))
    status = models.CharField(max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING)
    registered_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()

    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sme(self) -> bool:
        return self.size in SME_SIZES

    @property
    def is_approved(self) -> bool:
        return self.status == VerificationStatus.APPROVED


def supplier_document_path(instance: "SupplierDocument", filename: str) -> str:
    return f"procurement/suppliers/{instance.supplier.public_id}/{uuid.uuid4().hex}"


class Qualification(OwnedByContracts, models.Model):
    """競争入札参加資格: the grade and categories a supplier may bid in, for a period."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="qualifications")
    categories = models.JSONField(_("Categories"), default=list, help_text="QualificationCategory codes")
    grade = models.CharField(_("Grade"), max_length=1, choices=Grade.choices)
    valid_from = models.DateField(_("Valid from"))
    valid_until = models.DateField(_("Valid until"))
    status = models.CharField(max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()

    class Meta:
        ordering = ["-valid_until"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="qualification_period")
        ]

    def is_valid_on(self, day: date) -> bool:
        return self.status == VerificationStatus.APPROVED and self.valid_from <= day <= self.valid_until

    def category_labels(self) -> list[str]:
        """The categories by name, in the reader's language; a code no longer known, as stored."""
        known = dict(QualificationCategory.choices)
        return [str(known.get(code, code)) for code in self.categories]


class SupplierDocumentQuerySet(models.QuerySet["SupplierDocument"]):
    def with_review(self) -> "SupplierDocumentQuerySet":
        """Each document with `is_reviewed`: 契約課 recorded a decision on the company (or its
        qualifications or services) at or after its upload, so the decision may rest on it."""
        decided_since = Verification.objects.filter(
            supplier=OuterRef("supplier"), decided_at__gte=OuterRef("uploaded_at")
        )
        return self.annotate(is_reviewed=Exists(decided_since))


class SupplierDocument(OwnedByContracts, models.Model):
    """A file the supplier gave as evidence (登記事項証明書, 納税証明書, a certificate).

    Its company may delete it until 契約課 has decided anything since it was uploaded
    (`with_review`); from then on it is evidence of that decision and is kept (a newer one is added
    beside it).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="documents")
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    title = models.CharField(_("Title"), max_length=200)
    file = models.FileField(upload_to=supplier_document_path)
    # As checked on upload (actions.add_supplier_document): the type its bytes reveal, not its name's.
    content_type = models.CharField(max_length=100, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()

    objects = SupplierDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ServiceQuerySet(models.QuerySet["Service"]):
    def approved(self) -> "ServiceQuerySet":
        """In the catalogue: approved, from an approved supplier."""
        return self.filter(status=VerificationStatus.APPROVED, supplier__status=VerificationStatus.APPROVED)


class Service(OwnedByContracts, models.Model):
    """One service in the catalogue, in one lot, with its security declaration (declared once)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="services")
    lot = models.CharField(_("Lot"), max_length=12, choices=Lot.choices, db_index=True)
    name = models.CharField(_("Service name"), max_length=200)
    name_en = models.CharField(_("Service name (English)"), max_length=200, blank=True)
    summary = models.TextField(_("Summary"))
    features = models.JSONField(_("Features"), default=list, blank=True)
    # What the search folds and matches (name, summary, features, supplier): civicloop.core.text.fold.
    search_text = models.TextField(blank=True, editable=False)
    unit_price = models.PositiveBigIntegerField(_("Price from (yen)"), null=True, blank=True)
    pricing_unit = models.CharField(_("Pricing unit"), max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["lot", "name"]

    def __str__(self) -> str:
        return self.name


class IsmapStatus(models.TextChoices):
    NONE = "none", _("Not registered")
    ISMAP = "ismap", "ISMAP"
    ISMAP_LIU = "ismap_liu", "ISMAP-LIU"


class DataLocation(models.TextChoices):
    JAPAN = "japan", _("Japan only")
    JAPAN_AND_ABROAD = "japan_abroad", _("Japan and abroad")
    ABROAD = "abroad", _("Abroad only")


class Authentication(models.TextChoices):
    PASSWORD = "password", _("Password only")
    MFA = "mfa", _("Two-step verification")
    SSO = "sso", _("Single sign-on (SAML/OIDC) with two-step verification")


class SecurityDeclaration(OwnedByContracts, models.Model):
    """What a supplier declares about a service's security: once, reused in every tender.

    Expiry: the earliest of the certificates' end dates the supplier gives; the reminder task
    (`worker.py`) warns before it and the declaration stops counting once it has passed.
    """

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="security")
    ismap = models.CharField("ISMAP", max_length=12, choices=IsmapStatus.choices, default=IsmapStatus.NONE)
    ismap_registration = models.CharField(_("ISMAP registration number"), max_length=40, blank=True)
    iso27001 = models.BooleanField("ISO/IEC 27001", default=False)
    iso27001_certificate = models.CharField(_("ISO/IEC 27001 certificate number"), max_length=60, blank=True)
    privacy_mark = models.BooleanField(_("Privacy Mark (Pマーク)"), default=False)
    privacy_mark_number = models.CharField(_("Privacy Mark registration number"), max_length=40, blank=True)
    data_location = models.CharField(_("Where data is stored"), max_length=16, choices=DataLocation.choices)
    encrypted_at_rest = models.BooleanField(_("Encrypted at rest"), default=False)
    encrypted_in_transit = models.BooleanField(_("Encrypted in transit (TLS 1.2 or later)"), default=False)
    authentication = models.CharField(_("Sign-in for users"), max_length=12, choices=Authentication.choices)
    incident_response = models.TextField(_("Incident response (contact, hours, time to report)"))
    expires_on = models.DateField(_("Declaration valid until"))
    declared_at = models.DateTimeField(auto_now=True)
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The day the last expiry reminder went out, so the periodic task sends one per threshold.
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    classification = classification_field()

    def is_current_on(self, day: date) -> bool:
        return day <= self.expires_on


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class Verification(OwnedByContracts, models.Model):
    """One staff decision on a supplier, a qualification or a service: append-only history."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="verifications")
    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, null=True, blank=True)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    note = models.TextField(_("Note"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    classification = classification_field()

    class Meta:
        ordering = ["-decided_at"]

    @property
    def subject_kind(self) -> str:
        return "service" if self.service_id else "qualification" if self.qualification_id else "supplier"
