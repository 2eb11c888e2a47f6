# SPDX-License-Identifier: MPL-2.0
"""The 領収書 of a captured payment, as a PDF through the same renderer as result documents.

Rendered on each download from the payment's row, which does not change once captured (the
amount, the date, the receipt number), so the same receipt comes out every time.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from civicloop.applications.models import Application
from civicloop.documents.rendering import addressee, render_pdf, wareki
from civicloop.payments.models import Payment

METHODS = {
    "card": "クレジットカード",
    "konbini": "コンビニ払い",
    "payeasy": "Pay-easy",
    "qr": "QRコード決済",
    "counter": "窓口",
}


def _payer(application: Application) -> str:
    """Who paid a fee before submission whose application was not sent yet: the signed-in resident."""
    applicant = application.applicant
    return str(applicant.full_name) if applicant is not None and applicant.full_name else "申請者"


def receipt_pdf(payment: Payment) -> bytes:
    return render_pdf(receipt_html(payment))


def receipt_html(payment: Payment) -> str:
    """The 領収書's HTML, in Japanese: what was paid, how (card, コンビニ, 窓口, …), when, its numbers."""
    application = payment.application
    procedure = application.procedure_version.procedure
    paid_on = timezone.localdate(payment.captured_at) if payment.captured_at else timezone.localdate()
    context = {
        "payment": payment,
        "amount": f"{payment.amount_yen:,}円",
        "lines": [{**line, "total": f"{line['total_yen']:,}円"} for line in payment.lines],
        "method": METHODS.get(payment.method, payment.method),
        "lg_name": settings.LG_NAME_JA,
        "issuer": f"{settings.LG_NAME_JA}長",
        "department": payment.case.department.name_ja if payment.case else procedure.department.name_ja,
        "addressee": addressee(payment.case) if payment.case else _payer(application),
        "procedure_name": application.procedure_version.name_ja,
        "receipt_number": application.receipt_number,
        "paid_wareki": wareki(paid_on),
        "is_demo": settings.DEMO_ENABLED,
    }
    with translation.override("ja"):
        return render_to_string("payments/pdf/receipt.html", context)
