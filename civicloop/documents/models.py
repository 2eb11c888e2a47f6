# SPDX-License-Identifier: MPL-2.0
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.models import classification_field


class IssuedDocumentQuerySet(models.QuerySet["IssuedDocument"]):
    def visible_to(
        self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW
    ) -> "IssuedDocumentQuerySet":
        """Scoped by the one policy (classification.policy), in SQL — the same rules as the case's."""
        return self.filter(
            visible_q(
                user,
                owner_field="case__application__applicant",
                department_field="case__department__code",
                guest_field="case__application__guest_key",
                context=context,
                action=action,
            )
        )


def document_path(instance: "IssuedDocument", filename: str) -> str:
    # Opaque: the stored name says nothing about the resident, the procedure or the outcome.
    return f"documents/{instance.public_id}.pdf"


class IssuedDocument(models.Model):
    """A result sent to the resident as a PDF signed by the municipality (no paper).

    The file's bytes are immutable once issued: `sha256` is the digest of exactly the signed PDF,
    so the verification page can say whether an uploaded copy is one the municipality issued.
    """

    class Kind(models.TextChoices):
        DECISION_NOTICE = "decision_notice", _("Notice of decision")
        PERMIT = "permit", _("Permit")
        CERTIFICATE = "certificate", _("Certificate")
        REFUSAL_NOTICE = "refusal_notice", _("Notice of refusal")
        ACCEPTANCE_NOTICE = "acceptance_notice", _("Notice of acceptance")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    outcome = models.CharField(
        max_length=16, help_text="The decision the document states: approve, reject or accept (a 届出 received)."
    )
    number = models.CharField(max_length=60, unique=True, help_text="文書番号: <year>-<department>-<serial>.")
    title_ja = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_path, max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the signed PDF's bytes.")
    signer_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the signing certificate (DER).")
    verification_code = models.CharField(max_length=20, unique=True)
    issued_at = models.DateTimeField(db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    classification = classification_field()

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title_ja}"

    # What the access policy reads (classification.policy.Protected), delegated to the case's application.
    @property
    def owner_id(self) -> int | None:
        return self.case.application.applicant_id

    @property
    def department_code(self) -> str:
        return str(self.case.department.code)

    @property
    def guest_key(self) -> str:
        return self.case.application.guest_key

    def title_in(self, english: bool) -> str:
        return self.title_en if english else self.title_ja
