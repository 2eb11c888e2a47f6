# SPDX-License-Identifier: MPL-2.0
"""Co-edited documents: the list, the editor, versions and their diff, review and sign-off.

Every read goes through `access.get_document_for_user` / `get_version_for_user` or
`Document.objects.visible_to`; every write through an action, which checks the policy again.
"""

import base64
from typing import TypedDict

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.authoring import actions, diffing, errors
from civicloop.authoring.access import get_comment_for_user, get_document_for_user, get_version_for_user
from civicloop.authoring.forms import (
    CommentForm,
    DiffForm,
    DocumentForm,
    ReplyForm,
    ResolveForm,
    ReviewDecisionForm,
    ReviewRequestForm,
    SuggestionDecisionForm,
)
from civicloop.authoring.models import Comment, Document, Review, Version
from civicloop.classification.policy import (
    TIERS,
    Action,
    Context,
    NotPermitted,
    context_from_request,
    evaluate,
    rank,
)

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
            "may_decide": not document.is_signed_off and actions.may_decide_suggestions(user, document, context),
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
    candidates = colleagues().filter(clearance__in=_cleared_for(document)).exclude(pk=user.pk)
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
    form = ReviewRequestForm(request.POST, candidates=colleagues())
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


# Comments, suggestions and the PDF. The editor's script reads and writes comments as JSON; each
# read goes through the access helpers, each write through an action.


class CommentJSON(TypedDict):
    id: str
    author: str
    body: str
    created_at: str
    is_mine: bool


class ThreadJSON(CommentJSON):
    quote: str
    anchor_start: str
    anchor_end: str
    resolved: bool
    may_resolve: bool
    replies: list[CommentJSON]


def _comment_json(comment: Comment, user: User) -> CommentJSON:
    return {
        "id": str(comment.public_id),
        "author": comment.author.display_name,
        "body": comment.body,
        "created_at": timezone.localtime(comment.created_at).strftime("%Y-%m-%d %H:%M"),
        "is_mine": comment.author_id == user.pk,
    }


def _thread_json(root: Comment, user: User, *, may_work: bool) -> ThreadJSON:
    return {
        **_comment_json(root, user),
        "quote": root.quote,
        "anchor_start": base64.b64encode(bytes(root.anchor_start)).decode(),
        "anchor_end": base64.b64encode(bytes(root.anchor_end)).decode(),
        "resolved": root.is_resolved,
        "may_resolve": may_work or root.author_id == user.pk,
        "replies": [_comment_json(reply, user) for reply in root.replies.all()],
    }


@login_required(login_url=LOGIN)
def comment_list(request: HttpRequest, public_id: str) -> HttpResponse:
    """Every thread on the document, oldest first, with its replies."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    may_work = evaluate(user, Action.WORK, document, context).allowed
    roots = (
        document.comments.filter(parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=Comment.objects.select_related("author")))
    )
    return JsonResponse({"threads": [_thread_json(root, user, may_work=may_work) for root in roots]})


@require_POST
@login_required(login_url=LOGIN)
def comment_create(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    try:
        comment = actions.add_comment(document=document, author=user, context=context, **form.cleaned_data)
    except ValueError:
        return JsonResponse({"errors": {"anchor_start": ["too long"]}}, status=400)
    return JsonResponse({"id": str(comment.public_id)}, status=201)


@require_POST
@login_required(login_url=LOGIN)
def comment_reply(request: HttpRequest, comment_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    comment = get_comment_for_user(user, comment_id, action=Action.VIEW, context=context)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    reply = actions.reply_to_comment(comment=comment, author=user, body=form.cleaned_data["body"], context=context)
    return JsonResponse({"id": str(reply.public_id)}, status=201)


@require_POST
@login_required(login_url=LOGIN)
def comment_resolve(request: HttpRequest, comment_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    comment = get_comment_for_user(user, comment_id, action=Action.VIEW, context=context)
    form = ResolveForm(request.POST)
    form.is_valid()
    try:
        root = actions.resolve_comment(
            comment=comment, actor=user, resolved=form.cleaned_data.get("resolved", False), context=context
        )
    except NotPermitted:
        return JsonResponse({"errors": {"__all__": ["not allowed"]}}, status=403)
    return JsonResponse({"id": str(root.public_id), "resolved": root.is_resolved})


@require_POST
@login_required(login_url=LOGIN)
def suggestion_decide(request: HttpRequest, public_id: str, suggestion_id: str) -> HttpResponse:
    """Accept or reject one suggestion; the change reaches the open editors over their sockets."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    form = SuggestionDecisionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    try:
        decided = actions.decide_suggestion(
            document=document,
            suggestion_id=suggestion_id,
            accept=form.cleaned_data["decision"] == "accept",
            actor=user,
            context=context,
        )
    except (NotPermitted, errors.NotAllowedToDecide):
        return JsonResponse({"errors": {"__all__": ["not allowed"]}}, status=403)
    except (errors.SuggestionNotFound, errors.DocumentFrozen):
        return JsonResponse({"errors": {"__all__": ["no such open suggestion"]}}, status=409)
    return JsonResponse({"id": decided.id, "kind": decided.kind, "decision": form.cleaned_data["decision"]})


@login_required(login_url=LOGIN)
def document_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    """The document as a PDF: its signed-off version once signed off, else the text as it stands."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    document = get_document_for_user(user, public_id, action=Action.VIEW, context=context)
    return _pdf_response(document, user, context, version=None)


@login_required(login_url=LOGIN)
def version_pdf(request: HttpRequest, version_id: str) -> HttpResponse:
    """One version's frozen text as a PDF."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    version = get_version_for_user(user, version_id, action=Action.VIEW, context=context)
    return _pdf_response(version.document, user, context, version=version)


def _pdf_response(document: Document, user: User, context: Context, *, version: Version | None) -> HttpResponse:
    try:
        export = actions.export_pdf(document=document, exported_by=user, context=context, version=version)
    except (NotPermitted, errors.VersionNotIntact):
        raise Http404 from None
    response = HttpResponse(export.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
