# SPDX-License-Identifier: MPL-2.0
"""Every write to a co-edited document: creation, each change from an editor, versions, reviews, sign-off.

Each checks that the actor may WORK the document (the one policy: owning department, clearance
and device) except deciding a review, which only the named reviewer does; commenting, which
reading allows (a reviewer from another department comments); deciding a suggestion, which its
reviewers may do too; and exporting, which the policy's EXPORT decides. Row locks are taken in
one order: the Document, then its Version, then the Review.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.authoring import live, ydoc
from civicloop.authoring.errors import (
    DocumentFrozen,
    InvalidReviewers,
    NotAllowedToDecide,
    NotReadyToSignOff,
    NotReviewer,
    ReviewClosed,
    SuggestionNotFound,
    VersionNotIntact,
)
from civicloop.authoring.models import Comment, Document, DocumentUpdate, Review, Version, content_hash
from civicloop.cases.models import Case
from civicloop.classification.actions import GrantBasis, NotAllowed, grant_need_to_know
from civicloop.classification.policy import Action, Context, actor_label, authorise, evaluate, rank
from civicloop.core import audit, events
from civicloop.notifications.actions import notify, staff_notice_department

COMPACT_AFTER = 200  # updates appended before they are folded into Document.y_state
REVIEW_GRANT_DAYS = 30  # a reviewer outside the department reads the document this long (need-to-know)


def _record(actor: User, action: str, document: Document, **data: object) -> None:
    audit.record(
        actor=actor_label(actor),
        action=f"authoring.{action}",
        object_type="authoring.document",
        object_id=str(document.public_id),
        data={key: str(value) for key, value in data.items()},
        classification=document.classification,
    )
    events.record(
        f"authoring.{action}",  # not "document.": that is the signed results' (documents.issue)
        subject=f"authored_document/{document.public_id}",
        data={"document": str(document.public_id), "kind": document.kind, **{k: str(v) for k, v in data.items()}},
        classification=document.classification,
    )


def _locked(document: Document) -> Document:
    return Document.objects.select_for_update().select_related("department").get(pk=document.pk)


def create_document(
    *,
    title: str,
    kind: str,
    classification: str,
    department: Department,
    created_by: User,
    context: Context,
    case: Case | None = None,
) -> Document:
    """A new, empty draft owned by `department`; its creator must be able to work it."""
    document = Document(
        title=title, kind=kind, classification=classification, department=department, case=case, created_by=created_by
    )
    with transaction.atomic():
        authorise(created_by, Action.WORK, document, context)
        document.save()
        _record(created_by, "created", document, title_length=len(title))
    return document


def append_update(*, document: Document, update: bytes, author: User) -> DocumentUpdate:
    """Keep one change from an editor (already checked to apply); refused once the document is signed off.

    Not audited one by one (a keystroke each); versions, reviews and sign-off are.
    """
    with transaction.atomic():
        locked = _locked(document)
        if locked.is_signed_off:
            raise DocumentFrozen
        row = DocumentUpdate.objects.create(document=locked, data=update, author=author)
        # The counter was read with the row lock: no count query per keystroke.
        locked.pending_updates += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["pending_updates", "updated_at"])
        if locked.pending_updates >= COMPACT_AFTER:
            _compact(locked)
    return row


def stored_updates(document: Document) -> tuple[bytes, list[bytes]]:
    """The compacted state and the updates after it, read in one transaction."""
    with transaction.atomic():
        state = Document.objects.values_list("y_state", flat=True).get(pk=document.pk)
        updates = list(DocumentUpdate.objects.filter(document_id=document.pk).values_list("data", flat=True))
    return bytes(state), [bytes(update) for update in updates]


def compact_document(*, document: Document) -> Document:
    """Fold the appended updates into `y_state` (one merged update), so loading stays quick."""
    with transaction.atomic():
        locked = _locked(document)
        _compact(locked)
    return locked


def _compact(locked: Document) -> None:
    rows = list(DocumentUpdate.objects.filter(document=locked).values_list("pk", "data"))
    if not rows:
        return
    doc = ydoc.load(bytes(locked.y_state), (bytes(data) for _, data in rows))
    locked.y_state = doc.get_update()
    locked.pending_updates = 0
    locked.save(update_fields=["y_state", "pending_updates"])
    DocumentUpdate.objects.filter(document=locked, pk__lte=rows[-1][0]).delete()


def create_version(*, document: Document, created_by: User, context: Context) -> Version:
    """Freeze the current text as the next version and put it under review (a new version, a new review)."""
    with transaction.atomic():
        locked = _locked(document)
        authorise(created_by, Action.WORK, locked, context)
        state, updates = stored_updates(locked)
        doc = ydoc.load(state, updates)
        html = ydoc.to_html(doc)
        number = (locked.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = Version.objects.create(
            document=locked,
            number=number,
            text=ydoc.to_text(doc),
            html=html,
            y_state=doc.get_update(),
            sha256=content_hash(html),
            created_by=created_by,
        )
        locked.status = Document.Status.DRAFT  # a signed-off document opens again only through a new version
        locked.save(update_fields=["status"])
        _record(created_by, "versioned", locked, version=number, sha256=version.sha256)
    return version


def request_review(
    *, version: Version, reviewers: Iterable[User], requested_by: User, context: Context
) -> list[Review]:
    """Ask each person to review `version`; one outside the department gets need-to-know to read it."""
    with transaction.atomic():
        document = _locked(version.document)
        authorise(requested_by, Action.WORK, document, context)
        if document.versions.order_by("-number").first() != version or document.is_signed_off:
            raise ReviewClosed
        people = [person for person in reviewers if person.pk != requested_by.pk]
        if not people or any(
            not (person.is_active and person.is_staff_member) or rank(person.clearance) < rank(document.classification)
            for person in people
        ):
            raise InvalidReviewers
        reviews = [
            Review.objects.get_or_create(version=version, reviewer=person, defaults={"requested_by": requested_by})[0]
            for person in people
        ]
        _grant_reviewers(document, version, people, requested_by)
        for review in reviews:
            _notify_reviewer(document, review)
        document.status = Document.Status.IN_REVIEW
        document.save(update_fields=["status"])
        _record(requested_by, "review_requested", document, version=version.number, reviewers=len(people))
    return reviews


def _grant_reviewers(document: Document, version: Version, people: list[User], requested_by: User) -> None:
    """Reviewers outside the department read the document through the classification app's one grant."""
    expires_at = timezone.now() + timedelta(days=REVIEW_GRANT_DAYS)
    for person in people:
        if not person.departments.filter(pk=document.department_id).exists():
            try:
                grant_need_to_know(
                    obj=document,
                    user=person,
                    granted_by=requested_by,
                    reason=f"reviewer of {document.get_kind_display()} version {version.number}",
                    expires_at=expires_at,
                    basis=GrantBasis.REVIEW,
                )
            except NotAllowed as refused:  # TOP SECRET: only the owner or the security officer names outsiders
                raise InvalidReviewers from refused


def _document_url(document: Document) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("authoring:document-detail", args=[document.public_id])


def _notify_reviewer(document: Document, review: Review) -> None:
    notify(
        review.reviewer,
        "authoring.review_requested",
        {
            "requester": review.requested_by.display_name,
            "title": document.title,
            "version": review.version.number,
            "document_url": _document_url(document),
        },
        subject=f"authored_document/{document.public_id}",
        classification=document.classification,
        dedupe_key=f"authoring-review-requested-{review.version.public_id}",
        department=staff_notice_department(review.reviewer, document.department.code),
    )


def _notify_requester(document: Document, review: Review) -> None:
    notify(
        review.requested_by,
        "authoring.review_decided",
        {
            "reviewer": review.reviewer.display_name,
            "title": document.title,
            "version": review.version.number,
            "decision": review.status,
            "comment": review.comment,
            "document_url": _document_url(document),
        },
        subject=f"authored_document/{document.public_id}",
        classification=document.classification,
        dedupe_key=f"authoring-review-decided-{review.version.public_id}-{review.reviewer.public_id}",
        department=staff_notice_department(review.requested_by, document.department.code),
    )


def decide_review(*, review: Review, reviewer: User, approve: bool, comment: str = "") -> Review:
    """The reviewer approves the version or asks for changes (with a comment saying which)."""
    with transaction.atomic():
        document = _locked(review.version.document)
        locked = Review.objects.select_for_update().select_related("version").get(pk=review.pk)
        if locked.reviewer_id != reviewer.pk:
            raise NotReviewer
        if locked.status != Review.Status.REQUESTED or document.is_signed_off:
            raise ReviewClosed
        locked.status = Review.Status.APPROVED if approve else Review.Status.CHANGES_REQUESTED
        locked.comment, locked.decided_at = comment.strip(), timezone.now()
        locked.save(update_fields=["status", "comment", "decided_at"])
        _record(reviewer, "review_decided", document, version=locked.version.number, outcome=locked.status)
        _notify_requester(document, locked)
    return locked


def sign_off_version(*, version: Version, signed_off_by: User, context: Context) -> Version:
    """Freeze the document at `version` (every reviewer approved): its hash is checked and kept."""
    with transaction.atomic():
        document = _locked(version.document)
        authorise(signed_off_by, Action.WORK, document, context)
        locked = Version.objects.select_for_update().get(pk=version.pk)
        latest = document.versions.order_by("-number").first()
        outcomes = set(locked.reviews.values_list("status", flat=True))
        if latest != locked or document.is_signed_off or outcomes != {Review.Status.APPROVED} or not locked.is_intact():
            raise NotReadyToSignOff
        locked.signed_off_at, locked.signed_off_by = timezone.now(), signed_off_by
        locked.save(update_fields=["signed_off_at", "signed_off_by"])
        document.status = Document.Status.SIGNED_OFF
        document.save(update_fields=["status"])
        _record(signed_off_by, "signed_off", document, version=locked.number, sha256=locked.sha256)
    return locked


# Comments and suggestions. Commenting is part of reading (a reviewer outside the department
# comments), so it needs VIEW; resolving needs the comment's author or someone who may work the
# document. Lock order as above: the Document, then the Comment.

MAX_ANCHOR = 256  # an encoded Yjs relative position is a few dozen bytes


def _anchor(value: bytes) -> bytes:
    if len(value) > MAX_ANCHOR:
        raise ValueError("anchor too long")
    return value


def add_comment(
    *, document: Document, author: User, body: str, quote: str, anchor_start: bytes, anchor_end: bytes, context: Context
) -> Comment:
    """Start a thread on the words between two Yjs relative positions (`quote` is what they said then)."""
    with transaction.atomic():
        locked = _locked(document)
        authorise(author, Action.VIEW, locked, context)
        comment = Comment.objects.create(
            document=locked,
            author=author,
            body=body.strip(),
            quote=quote[:500],
            anchor_start=_anchor(anchor_start),
            anchor_end=_anchor(anchor_end),
        )
        _record(author, "commented", locked, comment=comment.public_id, length=len(comment.body))
        live.announce_comments(locked)
    return comment


def reply_to_comment(*, comment: Comment, author: User, body: str, context: Context) -> Comment:
    """A reply in the thread of `comment` (a reply to a reply joins the same thread)."""
    with transaction.atomic():
        locked = _locked(comment.document)
        authorise(author, Action.VIEW, locked, context)
        root = comment.parent or comment
        reply = Comment.objects.create(document=locked, parent=root, author=author, body=body.strip())
        _record(author, "comment_replied", locked, comment=root.public_id, reply=reply.public_id)
        live.announce_comments(locked)
    return reply


def resolve_comment(*, comment: Comment, actor: User, resolved: bool, context: Context) -> Comment:
    """Mark a thread resolved (or open it again): its author, or someone who may work the document."""
    with transaction.atomic():
        locked = _locked(comment.document)
        root = Comment.objects.select_for_update().get(pk=comment.parent_id or comment.pk)
        authorise(actor, Action.VIEW, locked, context)
        if root.author_id != actor.pk:
            authorise(actor, Action.WORK, locked, context)
        root.resolved_at, root.resolved_by = (timezone.now(), actor) if resolved else (None, None)
        root.save(update_fields=["resolved_at", "resolved_by"])
        _record(actor, "comment_resolved" if resolved else "comment_reopened", locked, comment=root.public_id)
        live.announce_comments(locked)
    return root


def may_decide_suggestions(user: User, document: Document, context: Context) -> bool:
    """Who accepts or rejects suggestions: those who may work the document, and its reviewers."""
    if evaluate(user, Action.WORK, document, context).allowed:
        return True
    return (
        evaluate(user, Action.VIEW, document, context).allowed
        and Review.objects.filter(version__document=document, reviewer=user).exists()
    )


def decide_suggestion(
    *, document: Document, suggestion_id: str, accept: bool, actor: User, context: Context
) -> ydoc.Suggestion:
    """Accept or reject one suggestion: the server edits the Y document, stores and sends the change."""
    with transaction.atomic():
        locked = _locked(document)
        if not may_decide_suggestions(actor, locked, context):
            authorise(actor, Action.WORK, locked, context)  # records the refusal and raises NotPermitted
            raise NotAllowedToDecide
        if locked.is_signed_off:
            raise DocumentFrozen
        doc = ydoc.load(*stored_updates(locked))
        before = doc.get_state()
        decided = ydoc.resolve_suggestion(doc, suggestion_id, accept=accept)
        if decided is None:
            raise SuggestionNotFound
        update = doc.get_update(before)
        append_update(document=locked, update=update, author=actor)
        _record(
            actor,
            "suggestion_accepted" if accept else "suggestion_rejected",
            locked,
            suggestion=decided.id,
            change="insert" if decided.kind == ydoc.INSERT else "delete",  # not `kind`: the document's
            suggested_by=decided.author,
            length=len(decided.text),
        )
        live.announce_update(locked, update)
    return decided


@dataclass(frozen=True)
class Export:
    pdf: bytes
    filename: str
    version: Version | None  # None: the text as it stands (a draft)


def export_pdf(*, document: Document, exported_by: User, context: Context, version: Version | None = None) -> Export:
    """The document as a PDF marked with its tier, through the result documents' renderer.

    A signed-off document exports its signed-off version, whose frozen HTML is checked against its
    hash first; a draft exports the text as it stands, or the version asked for.
    """
    from civicloop.authoring import printing  # loads WeasyPrint, which only an exporting process needs

    with transaction.atomic():
        locked = _locked(document)
        authorise(exported_by, Action.EXPORT, locked, context)
        if version is None and locked.is_signed_off:
            version = locked.versions.filter(signed_off_at__isnull=False).first()
        if version is not None:
            if version.document_id != locked.pk or not version.is_intact():
                raise VersionNotIntact
            html = version.html
        else:
            html = ydoc.to_html(ydoc.load(*stored_updates(locked)))
        pdf = printing.render(locked, html, version=version, viewer=exported_by)
        _record(
            exported_by,
            "exported",
            locked,
            format="pdf",
            version=version.number if version else "draft",
            sha256=version.sha256 if version else content_hash(html),
        )
    suffix = f"v{version.number}" if version else "draft"
    return Export(pdf=pdf, filename=f"document-{locked.public_id}-{suffix}.pdf", version=version)
