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

from civicloop.applications.access import get_application_for_user
from civicloop.applications.actions import SubmissionInvalid, completeness_errors
from civicloop.applications.models import Application
from civicloop.cases.access import get_case_for_user
from civicloop.classification.policy import Action, NotPermitted, context_from_request
from civicloop.core.language import is_english
from civicloop.integrations.payment.client import PaymentError
from civicloop.payments import actions, receipts
from civicloop.payments.models import Payment, ReconciliationRun, WebhookEvent

ACCEPTED = {WebhookEvent.Outcome.APPLIED, WebhookEvent.Outcome.REPLAYED, WebhookEvent.Outcome.IGNORED}


def _own_payment(request: HttpRequest, public_id: uuid.UUID, action: Action) -> tuple[Application, Payment]:
    """The latest payment of the signed-in resident's own application (404 for anyone else's)."""
    application = get_application_for_user(
        request.user, public_id, action=action, context=context_from_request(request)
    )
    if application.applicant_id != request.user.pk:
        raise Http404
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
    """領収書 (PDF) of a captured payment, for the resident who paid."""
    _application, payment = _own_payment(request, public_id, Action.DOWNLOAD)
    if payment.captured_at is None:
        raise Http404
    response = HttpResponse(receipts.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.receipt_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """The provider's notice of a payment: verified on the raw body; every call is logged."""
    log = actions.receive_webhook(body=request.body, headers=request.headers)
    if log.outcome in ACCEPTED:
        return HttpResponse("ok")
    return HttpResponse(log.outcome, status=409 if log.outcome == WebhookEvent.Outcome.WRONG_AMOUNT else 400)


@login_required(login_url="cases:staff-login")
@require_POST
def refund(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The clerk refunds a case's captured payment, with a reason."""
    user: Any = request.user
    if not getattr(user, "is_staff_member", False):
        raise Http404
    context = context_from_request(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW, context=context)
    payment = case.payments.filter(state=Payment.State.CAPTURED).order_by("-pk").first()
    if payment is None:
        raise Http404
    try:
        actions.refund_payment(payment=payment, clerk=user, reason=request.POST.get("reason", ""), context=context)
    except actions.RefundInvalid:
        messages.error(request, _("Give the reason for the refund."))
    except (NotPermitted, PaymentError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The payment was refunded."))
    return redirect("cases:case-detail", public_id)


def _reconciler(request: HttpRequest) -> Any:
    """Staff who hold the permission to read reconciliation runs (会計管理者); anyone else gets a 404."""
    user: Any = request.user
    if not getattr(user, "is_staff_member", False) or not user.has_perm("payments.view_reconciliationrun"):
        raise Http404
    return user


@login_required(login_url="cases:staff-login")
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    _reconciler(request)
    runs = ReconciliationRun.objects.order_by("-imported_at")[:50]
    return render(request, "payments/reconciliation_list.html", {"runs": runs})


@login_required(login_url="cases:staff-login")
def reconciliation_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Every difference of one import: missing here, missing there, amount differs."""
    _reconciler(request)
    run = get_object_or_404(ReconciliationRun, public_id=public_id)
    lines = run.lines.select_related("payment__case").order_by("kind", "provider_payment_id")
    return render(request, "payments/reconciliation_detail.html", {"run": run, "lines": lines})
