# SPDX-License-Identifier: MPL-2.0
"""The resident's 支払う and receipt, the provider's webhook, and the clerk's refund."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civicloop.accounts.ratelimit import limit_requests
from civicloop.applications.access import get_application_for_user
from civicloop.applications.actions import SubmissionInvalid, completeness_errors
from civicloop.applications.models import Application
from civicloop.cases.access import get_case_for_user
from civicloop.cases.models import Case
from civicloop.classification.policy import Action, Context, NotPermitted, context_from_request, record_listed
from civicloop.core.language import is_english
from civicloop.integrations.payment.client import PaymentError
from civicloop.payments import actions, receipts, reconciliation
from civicloop.payments.models import Payment, PaymentCheckout, ReconciliationRun, Refund, WebhookEvent

# A duplicate capture is accepted: it is kept for staff to refund, and a retry would change nothing.
ACCEPTED = {
    WebhookEvent.Outcome.APPLIED,
    WebhookEvent.Outcome.REPLAYED,
    WebhookEvent.Outcome.IGNORED,
    WebhookEvent.Outcome.DUPLICATE,
}


def _own_payment(request: HttpRequest, public_id: uuid.UUID, action: Action) -> tuple[Application, Payment]:
    """The latest payment of the signed-in resident's own application (404 for anyone else's)."""
    application, payment = _latest_payment(request, public_id, action)
    if application.applicant_id != request.user.pk:
        raise Http404
    return application, payment


def _latest_payment(request: HttpRequest, public_id: uuid.UUID, action: Action) -> tuple[Application, Payment]:
    """The latest payment of an application the one policy lets the user `action` (404 otherwise)."""
    application = get_application_for_user(
        request.user, public_id, action=action, context=context_from_request(request)
    )
    payment = Payment.objects.filter(application=application).select_related("case").order_by("-pk").first()
    if payment is None:
        raise Http404
    return application, payment


@login_required
def prepayment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The fee of a procedure paid before submission, after "check your answers": the amount,
    then 支払う to the provider's page. The application is sent when the payment is captured."""
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=context_from_request(request)
    )
    if application.applicant_id != request.user.pk:
        raise Http404
    if not application.is_draft:
        return redirect("applications:receipt-detail", public_id)
    if completeness_errors(application):
        return redirect("applications:application-check", public_id)
    if actions.paid_before_submission(application) is not None:
        return _send_prepaid(request, application)
    try:
        payment = actions.request_prepayment(application=application)
    except actions.NothingToPay:
        raise Http404 from None
    if request.method == "POST":
        back = request.build_absolute_uri(reverse("payments:payment-return", args=[application.public_id]))
        try:
            payment = actions.start_checkout(payment=payment, return_url=back)
        except PaymentError:
            messages.error(request, _("Payment is not available just now. Please try again later."))
        else:
            return redirect(payment.checkout_url)
    return render(
        request, "payments/prepayment.html", {"application": application, "payment": payment, "english": is_english()}
    )


def _send_prepaid(request: HttpRequest, application: Application) -> HttpResponse:
    """Paid already: send the application now (answers fixed after a capture that could not send it)."""
    payment = actions.paid_before_submission(application)
    assert payment is not None
    try:
        submitted = actions.submit_prepaid(payment=payment)
    except SubmissionInvalid:
        messages.error(
            request, _("Your payment was received, but the application has errors. Correct them and send it.")
        )
        return redirect("applications:application-check", application.public_id)
    return redirect("applications:receipt-detail", submitted.public_id)


@login_required
@require_POST
def pay(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """支払う: to the provider's hosted page; it sends the resident back to `payment_return`."""
    application, payment = _own_payment(request, public_id, Action.VIEW)
    if payment.state != Payment.State.DUE:
        return redirect("applications:application-detail", public_id)
    back = request.build_absolute_uri(reverse("payments:payment-return", args=[application.public_id]))
    try:
        payment = actions.start_checkout(payment=payment, return_url=back)
    except PaymentError:
        messages.error(request, _("Payment is not available just now. Please try again later."))
        return redirect("applications:application-detail", public_id)
    return redirect(payment.checkout_url)


@login_required
def payment_return(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Back from the provider. The page says what a verified capture established (the webhook's, or
    the provider's signed return), never what the URL claims."""
    application, payment = _own_payment(request, public_id, Action.VIEW)
    actions.receive_return(query=request.GET.dict())
    if payment.is_before_submission:
        return _after_prepayment(request, application)
    payment.refresh_from_db()
    if payment.is_paid:
        messages.success(request, _("Thank you. Your payment was received."))
    else:
        messages.info(
            request, _("We have not yet received confirmation of your payment. This page will show it once we do.")
        )
    return redirect("applications:application-detail", public_id)


def _after_prepayment(request: HttpRequest, application: Application) -> HttpResponse:
    application.refresh_from_db()
    if not application.is_draft:
        messages.success(request, _("Thank you. Your payment was received and your application was sent."))
        return redirect("applications:receipt-detail", application.public_id)
    if actions.paid_before_submission(application) is not None:
        return _send_prepaid(request, application)
    messages.info(
        request,
        _(
            "We have not received your payment. Your application has not been sent; your answers are kept. "
            "If you paid, it is sent as soon as the payment is confirmed."
        ),
    )
    return redirect("payments:prepayment", application.public_id)


@login_required
def receipt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """領収書 (PDF) of a captured payment: for the resident who paid, and for whom the one policy lets
    download the application (the department's staff reissuing it at the counter)."""
    _application, payment = _latest_payment(request, public_id, Action.DOWNLOAD)
    if payment.captured_at is None:
        raise Http404
    response = HttpResponse(receipts.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
@limit_requests("payment_webhook", limit_setting="PAYMENT_WEBHOOK_RATE_LIMIT", json=True, counts=lambda request: True)
def webhook(request: HttpRequest) -> HttpResponse:
    """The provider's notice of a payment: verified on the raw body; every call is logged."""
    log = actions.receive_webhook(body=request.body, headers=request.headers)
    if log.outcome in ACCEPTED:
        return HttpResponse("ok")
    return HttpResponse(log.outcome, status=409 if log.outcome == WebhookEvent.Outcome.WRONG_AMOUNT else 400)


@login_required(login_url="cases:staff-login")
@require_POST
def refund(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The clerk refunds all or part of a case's captured payment, with a reason: through the
    provider when it was paid online, or recorded as paid back (cash, transfer) when it was paid
    at the counter."""
    user: Any = request.user
    if not getattr(user, "is_staff_member", False):
        raise Http404
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    if request.POST.get("duplicate"):
        return _refund_duplicate(request, case, context)
    captured = case.payments.filter(state=Payment.State.CAPTURED).order_by("-pk")
    chosen = request.POST.get("payment", "")
    payment = (captured.filter(public_id=chosen) if _is_uuid(chosen) else captured).first()
    if payment is None:
        raise Http404
    amount = _yen(request.POST.get("amount", ""))
    if amount is None:
        messages.error(request, _("Enter the amount to refund in whole yen, such as 300."))
        return redirect("cases:case-detail", public_id)
    try:
        done = _refund(request, payment, amount, context)
    except actions.RefundInvalid as exc:
        messages.error(request, _refund_error(exc))
    except (NotPermitted, PaymentError) as exc:
        messages.error(request, str(exc))
    else:
        left = done.payment.refundable_yen
        if left == 0:
            messages.success(request, _("The payment was refunded."))
        else:
            messages.success(
                request,
                _("%(amount)s yen was refunded. %(left)s yen can still be refunded.")
                % {"amount": f"{done.amount_yen:,}", "left": f"{left:,}"},
            )
    return redirect("cases:case-detail", public_id)


def _refund_duplicate(request: HttpRequest, case: Case, context: Context) -> HttpResponse:
    """Refund a checkout captured when the fee was already paid (the resident paid twice)."""
    user: Any = request.user
    checkout = PaymentCheckout.objects.filter(
        payment__case=case, provider_payment_id=request.POST.get("duplicate", ""), is_duplicate=True
    ).first()
    if checkout is None:
        raise Http404
    try:
        actions.refund_duplicate(checkout=checkout, clerk=user, reason=request.POST.get("reason", ""), context=context)
    except actions.RefundInvalid as exc:
        messages.error(request, _refund_error(exc))
    except (NotPermitted, PaymentError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The second payment was refunded."))
    return redirect("cases:case-detail", case.public_id)


def _refund(request: HttpRequest, payment: Payment, amount: int, context: Context) -> Refund:
    user: Any = request.user
    reason = request.POST.get("reason", "")
    if payment.is_counter:
        return actions.refund_counter_payment(
            payment=payment,
            clerk=user,
            reason=reason,
            method=request.POST.get("method", ""),
            reference=request.POST.get("reference", ""),
            amount_yen=amount,
            context=context,
        )
    return actions.refund_payment(payment=payment, clerk=user, reason=reason, amount_yen=amount, context=context)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _yen(raw: str) -> int | None:
    """A whole number of yen as typed (全角 digits and thousands separators accepted); None if not one."""
    text = raw.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(",", "").replace("，", "")
    text = text.removesuffix("円").strip()
    return int(text) if text.isdigit() else None


def _refund_error(exc: actions.RefundInvalid) -> str:
    if exc.code == "reason":
        return _("Give the reason for the refund.")
    if exc.code == "amount":
        return _("The amount to refund must be between 1 yen and %(left)s yen (paid, less what was refunded).") % {
            "left": f"{exc.left_yen:,}"
        }
    if exc.code == "method":
        return _("Choose how the fee was paid back: in cash at the counter or by bank transfer.")
    if exc.code == "reference":
        return _(
            "Give the reference of the refund (the number of the receipt the resident signed, or of the transfer), "
            "in 100 characters or fewer."
        )
    return _("Nothing is left to refund on this payment.")


def _reconciler(request: HttpRequest) -> Any:
    """Staff who hold the permission to read reconciliation runs (会計管理者); anyone else gets a 404."""
    user: Any = request.user
    if not getattr(user, "is_staff_member", False) or not user.has_perm("payments.view_reconciliationrun"):
        raise Http404
    return user


# A provider's daily settlement file is a few thousand lines; anything far larger is not one.
SETTLEMENT_MAX_BYTES = 5 * 1024 * 1024


@login_required(login_url="cases:staff-login")
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    """The imports so far and, for staff who may import (payments.add_reconciliationrun), the upload."""
    user = _reconciler(request)
    may_import = user.has_perm("payments.add_reconciliationrun")
    error = ""
    if request.method == "POST":
        if not may_import:
            raise Http404
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose the provider's settlement file to upload.")
        elif upload.size is None or upload.size > SETTLEMENT_MAX_BYTES:
            error = _("The file is larger than 5 MB; a daily settlement file is far smaller.")
        else:
            try:
                run = reconciliation.import_settlement(
                    data=upload.read(), file_name=upload.name or "settlement", actor=f"user/{user.public_id}"
                )
            except reconciliation.SettlementUnreadable:
                error = _(
                    "This is not a settlement file of the payment provider. Upload the provider's daily file as it was downloaded."
                )
            else:
                return redirect("payments:reconciliation-detail", run.public_id)
    runs = ReconciliationRun.objects.order_by("-imported_at")[:50]
    return render(
        request,
        "payments/reconciliation_list.html",
        {"runs": runs, "may_import": may_import, "error": error},
        status=400 if error else 200,
    )


@login_required(login_url="cases:staff-login")
def reconciliation_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every difference of one import: missing here, missing there, amount differs."""
    user = _reconciler(request)
    run = get_object_or_404(ReconciliationRun, public_id=public_id)
    lines = list(run.lines.select_related("payment").order_by("kind", "provider_payment_id"))
    # A difference names its case only to whom the one policy shows that case (a reconciler of the
    # 会計課 sees amounts and the provider's ids of every department, not SECRET cases' numbers).
    context = context_from_request(request)
    case_ids = {line.payment.case_id for line in lines if line.payment and line.payment.case_id}
    visible = {
        case.pk: case
        for case in Case.objects.visible_to(user, context)
        .filter(pk__in=case_ids)
        .select_related("application", "department")
    }
    record_listed(user, Action.VIEW, visible.values(), context)
    rows = [(line, visible.get(line.payment.case_id or 0) if line.payment else None) for line in lines]
    return render(request, "payments/reconciliation_detail.html", {"run": run, "rows": rows, "count": len(lines)})
