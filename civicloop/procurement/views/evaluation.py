# SPDX-License-Identifier: MPL-2.0
"""The evaluator's page: declare conflicts, then score each opened bid per criterion with reasons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.staff import staff_member_or_404
from civicloop.classification.policy import Action, context_from_request
from civicloop.procurement import actions, rules
from civicloop.procurement.access import get_bid_for_user, get_tender_for_user
from civicloop.procurement.forms import ConflictForm
from civicloop.procurement.models import ScoreSheet, TenderStep
from civicloop.procurement.views.common import REFUSALS, STAFF_LOGIN, refused


@login_required(login_url=STAFF_LOGIN)
def evaluate(request: HttpRequest, public_id: str) -> HttpResponse:
    """For the tender's evaluators only: the declaration, then a sheet per opened bid."""
    user = staff_member_or_404(request)
    tender = get_tender_for_user(user, public_id, action=Action.VIEW, context=context_from_request(request))
    evaluator = rules.evaluator_of(user, tender)
    if evaluator is None:
        raise Http404
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.declare_conflict(actor=user, tender=tender, **form.cleaned_data)
            messages.success(request, _("Declaration recorded."))
        except REFUSALS as error:
            refused(request, error)
        return redirect("procurement:staff-evaluate", tender.public_id)
    sheets = {s.bid_id: s for s in ScoreSheet.objects.filter(evaluator=evaluator).prefetch_related("scores")}
    bids = [
        {
            "bid": bid,
            "sheet": sheets.get(bid.pk),
            "scores": {s.criterion_id: s for s in sheets[bid.pk].scores.all()} if bid.pk in sheets else {},
        }
        for bid in tender.bids.valid().select_related("supplier")
    ]
    return render(
        request,
        "procurement/staff/evaluate.html",
        {
            "tender": tender,
            "declaration": evaluator.declaration(),
            "may_score": evaluator.may_score(),
            # What the tender's status allows (the actions refuse the rest): forms only for these.
            "may_declare": tender.allows(TenderStep.DECLARE),
            "is_scoring": tender.allows(TenderStep.SCORE),
            "form": form,
            "criteria": tender.criteria.filter(is_price=False),
            "bids": bids,
        },
    )


@require_POST
@login_required(login_url=STAFF_LOGIN)
def score(request: HttpRequest, public_id: str) -> HttpResponse:
    """Save the scores of one bid; `submit` locks them."""
    user = staff_member_or_404(request)
    bid = get_bid_for_user(user, public_id, action=Action.VIEW, context=context_from_request(request))
    scores = {}
    for criterion in bid.tender.criteria.filter(is_price=False):
        points, reason = request.POST.get(f"points-{criterion.pk}", ""), request.POST.get(f"reason-{criterion.pk}", "")
        if points.isdigit():
            scores[criterion.pk] = (int(points), reason)
    try:
        actions.save_scores(actor=user, bid=bid, scores=scores)
        if request.POST.get("submit"):
            actions.submit_scores(actor=user, bid=bid)
            messages.success(request, _("Scores submitted and locked."))
        else:
            messages.success(request, _("Scores saved."))
    except REFUSALS as error:
        refused(request, error)
    return redirect("procurement:staff-evaluate", bid.tender.public_id)
