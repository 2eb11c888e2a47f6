# SPDX-License-Identifier: MPL-2.0
"""Staff pages (/staff/procurement/): suppliers to verify, the catalogue, tenders from draft to contract.

Reads go through the access helpers (procurement rules); each POST calls one action, which checks
the rules again.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.classification.policy import Action, context_from_request
from civicloop.procurement import actions, rules, search
from civicloop.procurement.access import (
    get_bid_for_user,
    get_direct_award_for_user,
    get_question_for_user,
    get_service_for_user,
    get_supplier_document_for_user,
    get_supplier_for_user,
    get_tender_for_user,
    suppliers_visible_to,
    tenders_visible_to,
)
from civicloop.procurement.errors import ProcurementError, WrongState
from civicloop.procurement.forms import AnswerForm, ContractForm, DirectAwardForm, TenderForm, VerifyForm
from civicloop.procurement.models import Award, Lot, Qualification, Tender, VerificationStatus
from civicloop.procurement.ranking import rank_bids
from civicloop.procurement.views.common import REFUSALS, STAFF_LOGIN, document_response, refused


@login_required(login_url=STAFF_LOGIN)
def index(request: HttpRequest) -> HttpResponse:
    """The tenders this person may see (department or evaluation) and suppliers awaiting verification."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    pending = suppliers_visible_to(user, context, action=Action.WORK).filter(status=VerificationStatus.PENDING)
    return render(
        request,
        "procurement/staff/index.html",
        {
            "tenders": tenders_visible_to(user, context).select_related("department").order_by("-created_at")[:100],
            "pending": pending[:50],
            "may_verify": pending.exists() or suppliers_visible_to(user, context, action=Action.WORK).exists(),
        },
    )


@login_required(login_url=STAFF_LOGIN)
def supplier_list(request: HttpRequest) -> HttpResponse:
    user = staff_member_or_404(request)
    suppliers = suppliers_visible_to(user, context_from_request(request)).order_by("status", "name")
    return render(request, "procurement/staff/supplier_list.html", {"suppliers": suppliers[:200]})


@login_required(login_url=STAFF_LOGIN)
def supplier_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A supplier with its qualifications, services and declarations, and the history of decisions."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    supplier = get_supplier_for_user(user, public_id, action=Action.VIEW, context=context)
    return render(
        request,
        "procurement/staff/supplier_detail.html",
        {
            "supplier": supplier,
            "qualifications": supplier.qualifications.all(),
            "documents": supplier.documents.with_review(),
            "services": supplier.services.select_related("security"),
            "history": supplier.verifications.select_related("decided_by", "service", "qualification"),
            "may_verify": rules.may(user, Action.WORK, supplier, context),
            "form": VerifyForm(),
        },
    )


@login_required(login_url=STAFF_LOGIN)
def supplier_document(request: HttpRequest, public_id: str) -> FileResponse:
    """A supplier's registration document, for 契約課 to check against (the policy's download)."""
    user = staff_member_or_404(request)
    document = get_supplier_document_for_user(
        user, public_id, action=Action.DOWNLOAD, context=context_from_request(request)
    )
    return document_response(document)


@require_POST
@login_required(login_url=STAFF_LOGIN)
def verify(request: HttpRequest, public_id: str, kind: str, pk: int = 0) -> HttpResponse:
    """契約課 approves, rejects or suspends the supplier, one qualification or one service."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    supplier = get_supplier_for_user(user, public_id, action=Action.WORK, context=context)
    subject: Any = supplier
    if kind == "qualification":
        subject = Qualification.objects.filter(supplier=supplier, pk=pk).first() or supplier
    elif kind == "service":
        service = supplier.services.filter(pk=pk).first()
        subject = (
            get_service_for_user(user, service.public_id, action=Action.WORK, context=context) if service else supplier
        )
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            actions.verify(actor=user, subject=subject, **form.cleaned_data)
            messages.success(request, _("Decision recorded."))
        except REFUSALS as error:
            refused(request, error)
    return redirect("procurement:staff-supplier-detail", supplier.public_id)


@login_required(login_url=STAFF_LOGIN)
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue's faceted search; a department may award a found service directly from here."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    query = request.GET.get("q", "").strip()
    facets = {name: request.GET.get(name, "") for name in search.FACETS}
    results = search.search_services(query, facets, user=user, context=context)[:100]
    form = DirectAwardForm(user=user, initial={"department": user.departments.first()})
    return render(
        request,
        "procurement/staff/catalogue.html",
        {
            "query": query,
            "facets": facets,
            "lots": Lot.choices,
            "counts": search.facet_counts(query, facets, user=user, context=context)["lot"],
            "results": results,
            "form": form,
        },
    )


@require_POST
@login_required(login_url=STAFF_LOGIN)
def direct_award(request: HttpRequest) -> HttpResponse:
    """随意契約 from the catalogue: the search in the page's address is run again and frozen with it."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    form = DirectAwardForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("Check the direct award: department, title, value and reason."))
        return redirect("procurement:staff-catalogue")
    service = get_service_for_user(user, form.cleaned_data["service"], action=Action.VIEW, context=context)
    facets = {name: request.POST.get(name, "") for name in search.FACETS}
    try:
        award = actions.award_directly(
            actor=user,
            department=form.cleaned_data["department"],
            service=service,
            title=form.cleaned_data["title"],
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
            query=request.POST.get("q", ""),
            facets=facets,
            context=context,
        )
    except REFUSALS as error:
        refused(request, error)
        return redirect("procurement:staff-catalogue")
    return redirect("procurement:staff-direct-award", award.public_id)


@login_required(login_url=STAFF_LOGIN)
def direct_award_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    award = get_direct_award_for_user(user, public_id, action=Action.VIEW, context=context)
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_direct_contract(actor=user, direct_award=award, **form.cleaned_data)
            messages.success(request, _("Contract recorded."))
        except REFUSALS as error:
            refused(request, error)
        return redirect("procurement:staff-direct-award", award.public_id)
    return render(
        request,
        "procurement/staff/direct_award.html",
        {"award": award, "steps": award.approvals.all(), "form": form, "contract": getattr(award, "contract", None)},
    )


@login_required(login_url=STAFF_LOGIN)
def tender_new(request: HttpRequest) -> HttpResponse:
    user = staff_member_or_404(request)
    form = TenderForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            tender = actions.create_tender(
                actor=user,
                department=form.cleaned_data["department"],
                fields=form.fields_for_tender(),
                criteria=form.cleaned_data["criteria"],
            )
        except REFUSALS as error:
            refused(request, error)
        else:
            return redirect("procurement:staff-tender-detail", tender.public_id)
    return render(request, "procurement/staff/tender_new.html", {"form": form})


def _tender_page(user: User, tender: Any, context: Any) -> dict[str, Any]:
    opened = tender.status not in ("draft", "published")
    may_work = rules.may(user, Action.WORK, tender, context)
    return {
        "tender": tender,
        "criteria": tender.criteria.all(),
        "questions": tender.questions.all(),
        "bids": tender.bids.select_related("supplier").order_by("submitted_at") if may_work else [],
        "ranking": rank_bids(tender) if opened else [],
        "opening": getattr(tender, "opening", None),
        "award": getattr(tender, "award", None),
        "evaluators": tender.evaluators.select_related("user", "conflict"),
        "staff": colleagues().exclude(pk=user.pk).order_by("username")[:200],
        "may_work": may_work,
        # What the tender's status allows (the actions refuse the rest): only these are offered.
        "steps": tender.allowed_steps,
        "is_evaluator": rules.evaluator_of(user, tender) is not None,
        "deadline_passed": tender.has_deadline_passed(),
        "answer_form": AnswerForm(),
        "contract_form": ContractForm(),
    }


@login_required(login_url=STAFF_LOGIN)
def tender_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    tender = get_tender_for_user(user, public_id, action=Action.VIEW, context=context)
    return render(request, "procurement/staff/tender_detail.html", _tender_page(user, tender, context))


@require_POST
@login_required(login_url=STAFF_LOGIN)
def tender_step(request: HttpRequest, public_id: str, step: str) -> HttpResponse:
    """One POST per transition of the tender: publish, open, assign, complete, award, approve, contract, cancel."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    tender = get_tender_for_user(user, public_id, action=Action.WORK, context=context)
    if step not in STEP_DONE:
        raise Http404
    try:
        _take_step(request, user, tender, step)
    except REFUSALS as error:
        refused(request, error)
        if step == "open":
            actions.refuse_early_opening(actor=user, tender=tender)
    return redirect("procurement:staff-tender-detail", tender.public_id)


# What the clerk is told after each step (a bare "Done." said nothing about what happened).
STEP_DONE = {
    "publish": gettext_lazy("Tender published. Suppliers may bid until the deadline."),
    "open": gettext_lazy("Bids opened. The opening is recorded with your name."),
    "assign": gettext_lazy("Evaluator named."),
    "complete": gettext_lazy("Evaluation completed. You may award to the top-ranked bid."),
    "award": gettext_lazy("Award decided."),
    "contract": gettext_lazy("Contract recorded."),
    "cancel": gettext_lazy("Tender cancelled."),
    "approve": gettext_lazy("Decision recorded."),
    "moderate": gettext_lazy("Agreed score recorded."),
}


def _take_step(request: HttpRequest, user: User, tender: Any, step: str) -> None:
    post = request.POST
    if step == "publish":
        actions.publish_tender(actor=user, tender=tender)
    elif step == "open":
        actions.open_bids(actor=user, tender=tender)
    elif step == "assign":
        evaluator = colleagues().filter(pk=post.get("user") or 0).first()
        if evaluator is None:
            raise ProcurementError(_("Choose a member of staff to name."))
        actions.assign_evaluator(actor=user, tender=tender, user=evaluator)
    elif step == "complete":
        actions.complete_evaluation(actor=user, tender=tender)
    elif step == "award":
        actions.award_tender(actor=user, tender=tender)
    elif step == "approve":
        actions.decide_approval(actor=user, subject=_award_of(tender), approved=post.get("approved") == "yes")
    elif step == "contract":
        form = ContractForm(post)
        if not form.is_valid():
            raise ProcurementError(_("Check the contract: its start and end dates."))
        actions.record_contract(actor=user, award=_award_of(tender), **form.cleaned_data)
    elif step == "cancel":
        actions.cancel_tender(actor=user, tender=tender, reason=post.get("reason", ""))
    elif step == "moderate":
        bid = get_bid_for_user(user, post.get("bid", ""), action=Action.VIEW, context=context_from_request(request))
        criterion = tender.criteria.get(pk=post.get("criterion") or 0)
        actions.moderate_score(
            actor=user, bid=bid, criterion=criterion, points=post.get("points", "0"), reason=post.get("reason", "")
        )
    messages.success(request, str(STEP_DONE[step]))


def _award_of(tender: Tender) -> Award:
    award = Award.objects.filter(tender=tender).first()
    if award is None:
        raise WrongState(_("This tender has no award yet."))
    return award


@require_POST
@login_required(login_url=STAFF_LOGIN)
def question_answer(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    question = get_question_for_user(user, public_id, action=Action.VIEW, context=context_from_request(request))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            actions.answer_question(actor=user, question=question, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer published to every bidder."))
        except REFUSALS as error:
            refused(request, error)
    return redirect("procurement:staff-tender-detail", question.tender.public_id)
