# SPDX-License-Identifier: MPL-2.0
"""The 領収書 of a captured payment, as a PDF through the same renderer as result documents.

Rendered on each download from the payment's row, which does not change once captured (the
amount, the date, the receipt number), so the same receipt comes out every time.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from civicloop.documents.rendering import addressee, render_pdf, wareki
from civicloop.payments.models import Payment

METHODS = {"card": "クレジットカード", "konbini": "コンビニ払い", "payeasy": "Pay-easy", "qr": "QRコード決済"}


def receipt_pdf(payment: Payment) -> bytes:
    case = payment.case
    application = case.application
    paid_on = timezone.localdate(payment.captured_at) if payment.captured_at else timezone.localdate()
    context = {
        "payment": payment,
        "amount": f"{payment.amount_yen:,}円",
        "lines": [{**line, "total": f"{line['total_yen']:,}円"} for line in payment.lines],
        "method": METHODS.get(payment.method, payment.method),
        "lg_name": settings.LG_NAME_JA,
        "issuer": f"{settings.LG_NAME_JA}長",
        "department": case.department.name_ja,
        "addressee": addressee(case),
        "procedure_name": application.procedure_version.name_ja,
        "receipt_number": application.receipt_number,
        "paid_wareki": wareki(paid_on),
        "is_demo": settings.DEMO_ENABLED,
    }
    with translation.override("ja"):
        return render_pdf(render_to_string("payments/pdf/receipt.html", context))
