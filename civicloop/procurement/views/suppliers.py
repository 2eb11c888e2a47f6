# SPDX-License-Identifier: MPL-2.0
"""The supplier's pages (/procurement/): register, company, qualification, services, tenders, bids."""

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.account.views import LoginView
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.classification.policy import Action, context_from_request
from civicloop.procurement import actions
from civicloop.procurement.access import (
    get_bid_for_user,
    get_service_for_user,
    get_supplier_document_for_user,
    get_tender_for_user,
    tenders_visible_to,
)
from civicloop.procurement.eligibility import reasons_not_eligible
from civicloop.procurement.forms import (
    BidForm,
    QualificationForm,
    QuestionForm,
    RegistrationForm,
    SecurityForm,
    ServiceForm,
    SupplierDocumentForm,
)
from civicloop.procurement.models import Bid, SecurityDeclaration, Service, Supplier, Tender, TenderStatus
from civicloop.procurement.views.common import REFUSALS, SUPPLIER_LOGIN, document_response, refused, supplier_account


class SupplierLoginView(LoginView):  # type: ignore[misc]
    """allauth's sign-in with the supplier's page; a second factor follows (accounts.middleware)."""

    template_name = "procurement/supplier/login.html"


def register(request: HttpRequest) -> HttpResponse:
    """A company registers: its details and the first account; two-step verification is set up next."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            supplier = actions.register_supplier(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                person_name=form.cleaned_data["contact_name"],
                company=form.company(),
            )
        user = supplier.users.get()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # The password was just typed: record it as allauth's sign-in would, or setting up TOTP
        # next (behind allauth's recent-authentication check) answers 403 to the new company.
        record_authentication(request, user, "password", username=user.username)
        messages.success(request, _("Registered. Set up two-step verification to continue."))
        return redirect("procurement:supplier-home")
    return render(request, "procurement/supplier/register.html", {"form": form})


@login_required(login_url=SUPPLIER_LOGIN)
def home(request: HttpRequest) -> HttpResponse:
    """The company's status, its qualifications and services, open tenders and its bids."""
    user, supplier = supplier_account(request)
    context = context_from_request(request)
    tenders = tenders_visible_to(user, context).filter(status=TenderStatus.PUBLISHED, bid_deadline__gt=timezone.now())
    return render(
        request,
        "procurement/supplier/home.html",
        {
            "supplier": supplier,
            "qualifications": supplier.qualifications.all(),
            "services": supplier.services.select_related("security"),
            "tenders": tenders.order_by("bid_deadline")[:50],
            "bids": Bid.objects.filter(supplier=supplier).select_related("tender").order_by("-submitted_at")[:50],
            "documents": supplier.documents.with_review()[:50],
        },
    )


@login_required(login_url=SUPPLIER_LOGIN)
def qualification_new(request: HttpRequest) -> HttpResponse:
    user, supplier = supplier_account(request)
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.add_qualification(actor=user, supplier=supplier, **form.cleaned_data)
        messages.success(request, _("Qualification sent for verification."))
        return redirect("procurement:supplier-home")
    return render(request, "procurement/supplier/form.html", {"form": form, "title": _("Add a qualification")})


@login_required(login_url=SUPPLIER_LOGIN)
def document_new(request: HttpRequest) -> HttpResponse:
    """A registration document for 契約課: a refused file is named with the reason, the title kept."""
    user, supplier = supplier_account(request)
    form = SupplierDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.add_supplier_document(
                actor=user, supplier=supplier, title=form.cleaned_data["title"], upload=form.cleaned_data["file"]
            )
        except REFUSALS as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("%(title)s uploaded for verification.") % {"title": document.title})
            return redirect("procurement:supplier-home")
    status = 400 if form.errors else 200
    context = {"form": form, "title": _("Add a registration document")}
    return render(request, "procurement/supplier/document_form.html", context, status=status)


@login_required(login_url=SUPPLIER_LOGIN)
def document_download(request: HttpRequest, public_id: str) -> FileResponse:
    """One of the company's own registration documents, as it was uploaded (another company's: 404)."""
    user, _supplier = supplier_account(request)
    document = get_supplier_document_for_user(
        user, public_id, action=Action.DOWNLOAD, context=context_from_request(request)
    )
    return document_response(document)


@require_POST
@login_required(login_url=SUPPLIER_LOGIN)
def document_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    """Delete one of the company's documents that 契約課 has not reviewed yet."""
    user, _supplier = supplier_account(request)
    document = get_supplier_document_for_user(
        user, public_id, action=Action.EDIT, context=context_from_request(request)
    )
    try:
        actions.delete_supplier_document(actor=user, document=document)
        messages.success(request, _("%(title)s deleted.") % {"title": document.title})
    except REFUSALS as error:
        refused(request, error)
    return redirect("procurement:supplier-home")


@login_required(login_url=SUPPLIER_LOGIN)
def service_new(request: HttpRequest) -> HttpResponse:
    """A service for the catalogue with its security declaration, declared once for every tender."""
    user, supplier = supplier_account(request)
    form, security = ServiceForm(request.POST or None), SecurityForm(request.POST or None, prefix="sec")
    if request.method == "POST" and form.is_valid() and security.is_valid():
        actions.declare_service(actor=user, supplier=supplier, service=form.service(), security=security.cleaned_data)
        messages.success(request, _("Service sent for verification."))
        return redirect("procurement:supplier-home")
    return render(
        request,
        "procurement/supplier/service_form.html",
        {"form": form, "security": security, "title": _("Add a service")},
    )


@login_required(login_url=SUPPLIER_LOGIN)
def service_security(request: HttpRequest, public_id: str) -> HttpResponse:
    """Renew a service's security declaration (it goes back to 契約課 before it counts again)."""
    user, _supplier = supplier_account(request)
    service = get_service_for_user(user, public_id, action=Action.WORK, context=context_from_request(request))
    current: dict[str, Any] = dict(SecurityDeclaration.objects.filter(service=service).values().first() or {})
    security = SecurityForm(request.POST or None, prefix="sec", initial=current)
    if request.method == "POST" and security.is_valid():
        actions.update_security_declaration(actor=user, service=service, security=security.cleaned_data)
        messages.success(request, _("Declaration renewed and sent for verification."))
        return redirect("procurement:supplier-home")
    return render(
        request,
        "procurement/supplier/service_form.html",
        {"security": security, "title": _("Renew the security declaration"), "service": service},
    )


def _services_for(supplier: Supplier, tender: Tender) -> list[tuple[str, str]]:
    services = Service.objects.approved().filter(supplier=supplier, lot__in=tender.lots)
    return [(str(s.public_id), f"{s.name} ({s.get_lot_display()})") for s in services]


@login_required(login_url=SUPPLIER_LOGIN)
def tender_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A published tender: requirement, documents, the published Q&A, and this company's bid."""
    user, supplier = supplier_account(request)
    tender = get_tender_for_user(user, public_id, action=Action.VIEW, context=context_from_request(request))
    services = _services_for(supplier, tender)
    bid = Bid.objects.filter(tender=tender, supplier=supplier).first()
    reasons = []
    if services:
        first = Service.objects.get(public_id=services[0][0])
        reasons = reasons_not_eligible(supplier=supplier, service=first, tender=tender, day=timezone.localdate())
    else:
        reasons = [_("You have no approved service in this tender's lots.")]
    return render(
        request,
        "procurement/supplier/tender_detail.html",
        {
            "tender": tender,
            "criteria": tender.criteria.all(),
            "documents": tender.documents.all(),
            "questions": tender.questions.filter(answered_at__isnull=False),
            "my_questions": tender.questions.filter(asked_by=supplier, answered_at__isnull=True),
            "bid": bid,
            "is_open": tender.is_open_for_bids(),
            "reasons": reasons,
            "bid_form": BidForm(services=services) if services and not reasons else None,
            "question_form": QuestionForm() if tender.is_open_for_questions() else None,
        },
    )


@require_POST
@login_required(login_url=SUPPLIER_LOGIN)
def question_ask(request: HttpRequest, public_id: str) -> HttpResponse:
    user, supplier = supplier_account(request)
    tender = get_tender_for_user(user, public_id, action=Action.WORK, context=context_from_request(request))
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            actions.ask_question(actor=user, tender=tender, supplier=supplier, text=form.cleaned_data["text"])
            messages.success(request, _("Question sent. The answer will be published to every bidder."))
        except REFUSALS as error:
            refused(request, error)
    return redirect("procurement:tender-detail", tender.public_id)


@require_POST
@login_required(login_url=SUPPLIER_LOGIN)
def bid_submit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Submit or resubmit the sealed bid (until the deadline)."""
    user, supplier = supplier_account(request)
    tender = get_tender_for_user(user, public_id, action=Action.WORK, context=context_from_request(request))
    form = BidForm(request.POST, services=_services_for(supplier, tender))
    if not form.is_valid():
        messages.error(request, _("Check the bid: a service, a price and a proposal."))
        return redirect("procurement:tender-detail", tender.public_id)
    service = get_service_for_user(
        user, form.cleaned_data["service"], action=Action.WORK, context=context_from_request(request)
    )
    try:
        bid = actions.submit_bid(
            actor=user,
            tender=tender,
            supplier=supplier,
            service=service,
            price=form.cleaned_data["price"],
            proposal=form.cleaned_data["proposal"],
        )
        messages.success(request, _("Bid sealed. Receipt: %(digest)s") % {"digest": bid.digest[:16]})
    except REFUSALS as error:
        refused(request, error)
    return redirect("procurement:tender-detail", tender.public_id)


@require_POST
@login_required(login_url=SUPPLIER_LOGIN)
def bid_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    user, _supplier = supplier_account(request)
    bid = get_bid_for_user(user, public_id, action=Action.WORK, context=context_from_request(request))
    try:
        actions.withdraw_bid(actor=user, bid=bid)
        messages.success(request, _("Bid withdrawn. You may bid again until the deadline."))
    except REFUSALS as error:
        refused(request, error)
    return redirect("procurement:tender-detail", bid.tender.public_id)
