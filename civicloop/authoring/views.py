# SPDX-License-Identifier: MPL-2.0
"""Co-edited documents: the list, the editor, versions and their diff, review and sign-off.

Every read goes through `access.get_document_for_user` / `get_version_for_user` or
`Document.objects.visible_to`; every write through an action, which checks the policy again.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.authoring import actions, diffing, errors
from civicloop.authoring.access import get_document_for_user, get_version_for_user
from civicloop.authoring.forms import DiffForm, DocumentForm, ReviewDecisionForm, ReviewRequestForm
from civicloop.authoring.models import Document, Review
from civicloop.classification.policy import TIERS, Action, NotPermitted, context_from_request, evaluate, rank

LOGIN = "cases:staff-login"


@login_required(login_url=LOGIN)
def document_list(request: HttpRequest) -> HttpResponse:
    """The documents this person may open from this device, and a form to start one."""
    user = staff_member_or_404(request)
    documents = Document.objects.visible_to(user, context_from_request(request)).select_related("department")
    form = DocumentForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.create_document(
                **form.cleaned_data, created_by=user, context=context_from_request(request)
            )
        except NotPermitted:
            form.add_error(None, _("You cannot create a document at this tier from this device."))
        else:
            return redirect("authoring:document-detail", document.public_id)
    return render(request, "authoring/document_list.html", {"documents": documents[:200], "form": form})


@login_required(login_url=LOGIN)
def document_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The editor: it loads the text over the websocket; editable for those who may work the document."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    may_work = evaluate(user, Action.WORK, document, context).allowed
    return render(
        request,
        "authoring/document_detail.html",
        {
            "document": document,
            "editable": may_work and not document.is_signed_off,
            "may_work": may_work,
            "latest": document.versions.first(),
        },
    )


@login_required(login_url=LOGIN)
def version_list(request: HttpRequest, public_id: str) -> HttpResponse:
    """Every version with its hash and reviews, and the diff between the two chosen (default: the last two)."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    versions = list(
        document.versions.select_related("created_by", "signed_off_by").prefetch_related("reviews__reviewer")
    )
    diff, form = None, DiffForm(request.GET or None)
    chosen = (
        form.cleaned_data
        if form.is_valid()
        else ({"a": versions[1].number, "b": versions[0].number} if len(versions) > 1 else None)
    )
    by_number = {version.number: version for version in versions}
    if chosen and chosen["a"] in by_number and chosen["b"] in by_number:
        diff = diffing.side_by_side(by_number[chosen["a"]], by_number[chosen["b"]])
    may_work = evaluate(user, Action.WORK, document, context).allowed
    candidates = User.objects.filter(is_active=True, clearance__in=_cleared_for(document)).exclude(pk=user.pk)
    return render(
        request,
        "authoring/version_list.html",
        {
            "document": document,
            "versions": versions,
            "diff": diff,
            "chosen": chosen,
            "may_work": may_work,
            "review_form": ReviewRequestForm(candidates=candidates.filter(departments__isnull=False).distinct()),
            "my_reviews": [
                r
                for v in versions
                for r in v.reviews.all()
                if r.reviewer_id == user.pk and r.status == Review.Status.REQUESTED
            ],
        },
    )


def _cleared_for(document: Document) -> list[str]:
    return [tier for tier in TIERS if rank(tier) >= rank(document.classification)]


@require_POST
@login_required(login_url=LOGIN)
def version_create(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        version = actions.create_version(document=document, created_by=user, context=context)
    except NotPermitted:
        raise Http404 from None
    flash.success(request, _("Version %(number)s saved.") % {"number": version.number})
    return redirect("authoring:version-list", document.public_id)


@require_POST
@login_required(login_url=LOGIN)
def review_request(request: HttpRequest, version_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    version = get_version_for_user(user, version_id, action=Action.VIEW, context=context)
    form = ReviewRequestForm(request.POST, candidates=User.objects.filter(is_active=True))
    if form.is_valid():
        try:
            actions.request_review(
                version=version, reviewers=form.cleaned_data["reviewers"], requested_by=user, context=context
            )
            flash.success(request, _("Review requested."))
        except (errors.ReviewClosed, errors.InvalidReviewers, NotPermitted):
            flash.error(request, _("Review could not be requested for this version or these people."))
    return redirect("authoring:version-list", version.document.public_id)


@require_POST
@login_required(login_url=LOGIN)
def review_decide(request: HttpRequest, version_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    version = get_version_for_user(user, version_id, action=Action.VIEW, context=context_from_request(request))
    review = version.reviews.filter(reviewer=user).first()
    form = ReviewDecisionForm(request.POST)
    if review is None or not form.is_valid():
        flash.error(request, _("Say which changes are needed.") if review else _("You were not asked to review this."))
        return redirect("authoring:version-list", version.document.public_id)
    try:
        actions.decide_review(
            review=review,
            reviewer=user,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
        flash.success(request, _("Your review is recorded."))
    except (errors.ReviewClosed, errors.NotReviewer):
        flash.error(request, _("This review is already closed."))
    return redirect("authoring:version-list", version.document.public_id)


@require_POST
@login_required(login_url=LOGIN)
def version_sign_off(request: HttpRequest, version_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    version = get_version_for_user(user, version_id, action=Action.VIEW, context=context)
    try:
        actions.sign_off_version(version=version, signed_off_by=user, context=context)
        flash.success(request, _("Signed off. The document is frozen at this version."))
    except errors.NotReadyToSignOff:
        flash.error(request, _("Only the latest version, approved by every reviewer, can be signed off."))
    except NotPermitted:
        raise Http404 from None
    return redirect("authoring:version-list", version.document.public_id)
