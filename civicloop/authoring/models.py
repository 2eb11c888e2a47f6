# SPDX-License-Identifier: MPL-2.0
"""Co-edited documents (答弁書, reports, minutes, 起案文): the Y document, its versions and reviews.

The live text is a Yjs document. Its state is kept as `Document.y_state` (the compacted state)
plus the `DocumentUpdate` rows appended since, one per change a browser sent; loading applies
them in order, and `actions.compact_document` folds them into `y_state` now and then. A version
is a frozen snapshot (text, HTML and the Y state) with the SHA-256 of its HTML; signing one off
freezes the document (`is_signed_off`): the server refuses further changes until a new version
opens a new review.

Comments hang on the text by Yjs relative positions (`Comment.anchor_start`/`anchor_end`, encoded
by the browser from the Y XML fragment): they follow the words they were made on while others
edit. Suggestions are marks in the Y document itself (`suggestionInsert`, `suggestionDelete`, see
`ydoc`), so they need no table; accepting or rejecting one is an audited action.
"""

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT, Action, Context, visible_q
from civicloop.core.models import classification_field


class DocumentQuerySet(models.QuerySet["Document"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT, action: Action = Action.VIEW) -> "DocumentQuerySet":
        """What `user` may `action` from the device of `context`: `policy.decide` as a filter."""
        if not (isinstance(user, User) and user.is_authenticated and user.is_staff_member):
            return self.none()  # residents and guests never see internal documents
        # owner_field/guest_field are the policy's resident and guest paths, never taken for staff.
        q = visible_q(
            user,
            owner_field="created_by",
            guest_field="title",
            department_id_field="department_id",
            context=context,
            action=action,
        )
        return self.filter(q)


class Document(models.Model):
    class Kind(models.TextChoices):
        ANSWER = "answer", _("Council answer (答弁書)")
        REPORT = "report", _("Report")
        MINUTES = "minutes", _("Minutes")
        DRAFT_DECISION = "draft_decision", _("Draft for decision (起案文)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        SIGNED_OFF = "signed_off", _("Signed off")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    classification = classification_field()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="authored_documents")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="authored_documents")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    y_state = models.BinaryField(default=b"")  # compacted Yjs update; DocumentUpdate rows follow it
    # How many DocumentUpdate rows follow y_state: kept beside it so appending one needs no count query.
    pending_updates = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    # What classification.policy needs (Protected): staff write these themselves; no resident owns one.
    staff_editable = True

    @property
    def owner_id(self) -> int | None:
        return None

    @property
    def department_code(self) -> str:
        return self.department.code

    @property
    def guest_key(self) -> str:
        return ""

    @property
    def is_signed_off(self) -> bool:
        return self.status == self.Status.SIGNED_OFF


class DocumentUpdate(models.Model):
    """One Yjs update as a browser sent it, appended until the next compaction."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="updates")
    data = models.BinaryField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]


def content_hash(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


class Version(models.Model):
    """A frozen snapshot of the document; the one signed off is its final text."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    html = models.TextField()
    y_state = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="authoring_version_number")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    def is_intact(self) -> bool:
        return content_hash(self.html) == self.sha256


class Review(models.Model):
    """One person asked to review one version: approve it or ask for changes."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting review")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_reviews")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    comment = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "reviewer"], name="authoring_review_once")]


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible_to(self, user: Any, context: Context = NO_CONTEXT) -> "CommentQuerySet":
        """Comments on the documents `user` may read from this device: the document's policy, nothing else."""
        return self.filter(document__in=Document.objects.visible_to(user, context))


class Comment(models.Model):
    """A comment anchored to a stretch of the text, or a reply to one (`parent`); threads resolve as a whole."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    quote = models.CharField(max_length=500, blank=True)  # the words selected when the thread began
    anchor_start = models.BinaryField(default=b"")  # Y.encodeRelativePosition of the start, in the fragment
    anchor_end = models.BinaryField(default=b"")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.document} comment {self.public_id}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
