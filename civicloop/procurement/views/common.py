# SPDX-License-Identifier: MPL-2.0
"""What the procurement pages share: who is asking, and domain errors as messages."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest

from civicloop.accounts.models import User
from civicloop.classification.policy import NotPermitted
from civicloop.procurement.errors import ProcurementError
from civicloop.procurement.models import Supplier, SupplierDocument

STAFF_LOGIN = "cases:staff-login"
SUPPLIER_LOGIN = "procurement:supplier-login"
REFUSALS = (ProcurementError, NotPermitted)


def supplier_account(request: HttpRequest) -> tuple[User, Supplier]:
    """The supplier account behind the request and its company; 404 for anyone else."""
    user = request.user
    if not isinstance(user, User) or not user.is_supplier:
        raise Http404
    supplier = Supplier.objects.filter(users=user).first()
    if supplier is None:
        raise Http404
    return user, supplier


def document_response(document: SupplierDocument) -> FileResponse:
    """A stored document as the platform serves files: a download (never shown inline) under its
    original name, with the type checked on upload, kept out of shared caches. The security
    middleware adds `X-Content-Type-Options: nosniff` (SECURE_CONTENT_TYPE_NOSNIFF)."""
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type or "application/octet-stream",
        as_attachment=True,
        filename=document.original_name or document.title,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def refused(request: HttpRequest, error: Exception) -> None:
    """Show why an action refused (its message is already in the active language)."""
    if isinstance(error, NotPermitted):
        from django.utils.translation import gettext as _

        messages.error(request, _("You cannot do this."))
    else:
        messages.error(request, str(error))
