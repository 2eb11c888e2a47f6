# SPDX-License-Identifier: MPL-2.0
"""Staff chat: channels, their members, messages with threads, revisions, reactions, pins and mentions.

Every channel carries a classification tier, and every message, revision its channel's. No channel
is opened at TOP SECRET (`actions.open_*` refuse it). A case channel is in its case's family
(`classification.family`: one-to-one, then reverse foreign keys), so relabelling the case lifts the
channel and its messages with it; lifted to TOP SECRET, the chat rules close it to everyone. Who may read
or post is decided in `rules.py`; this module's `readable_by` is the same rule as a filter.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department, User
from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT, Action, Context, scope_in
from civicloop.collab.rules import MEMBER_KINDS, Kind, readable_tiers
from civicloop.core.models import classification_field

# The reactions a message can get: a short fixed set, so a reaction is one of these codes. Each has
# a word beside its emoji: a screen reader reads it, and a PC without an emoji font still shows it.
REACTIONS = {"thumbs_up": "👍", "check": "✅", "eyes": "👀", "thanks": "🙏", "party": "🎉"}
REACTION_LABELS = {
    "thumbs_up": _("Like"),
    "check": _("Handled"),
    "eyes": _("Seen"),
    "thanks": _("Thanks"),
    "party": _("Well done"),
}


class ChannelQuerySet(models.QuerySet["Channel"]):
    def readable_by(self, user: Any, context: Context = NO_CONTEXT) -> "ChannelQuerySet":
        """The channels `user` may read from the device of `context`: `rules.evaluate_channel` as a filter."""
        if not (isinstance(user, User) and user.is_authenticated and user.is_staff_member and user.is_active):
            return self.none()
        tiers = readable_tiers(user, context)
        if not tiers:
            return self.none()
        departments = scope_in(user, context).department_ids
        cases = Case.objects.visible_to(user, context, action=Action.VIEW).filter(classification__in=tiers)
        memberships = Membership.objects.filter(user=user).values("channel_id")
        need_to_know = (
            Q(kind=Kind.DEPARTMENT, department_id__in=departments)
            | Q(kind=Kind.CASE, case_id__in=cases.values("pk"))
            | Q(kind__in=MEMBER_KINDS, pk__in=memberships)
        )
        return self.filter(Q(classification__in=tiers) & need_to_know)

    def with_unread(self, user: Any) -> "ChannelQuerySet":
        """Annotate `unread`: messages by others after the newest one `user` has read, deleted ones aside."""
        last_read = Membership.objects.filter(channel=OuterRef("pk"), user=user).values("last_read_id")[:1]
        unread = Q(messages__pk__gt=F("last_read"), messages__is_deleted=False) & ~Q(messages__author=user)
        return self.annotate(last_read=Coalesce(Subquery(last_read), 0)).annotate(
            unread=Count("messages", filter=unread)
        )


class Channel(models.Model):
    """A conversation: a department's, a project's, a case's, or between named people."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=[(k.value, k.value) for k in Kind])
    name = models.CharField(max_length=100, blank=True)
    topic = models.CharField(max_length=300, blank=True)
    classification = classification_field()
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="chat_channels"
    )
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="chat_channel")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The channel's change counter: every post, edit, delete, reaction or pin takes the next number
    # and stamps it on the message it changed, so `?after=<seq>` catches up on all of them.
    last_seq = models.BigIntegerField(default=0)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=Kind.DEPARTMENT) & Q(department__isnull=False)) | ~Q(kind=Kind.DEPARTMENT),
                name="chat_department_channel_has_department",
            ),
            models.CheckConstraint(
                condition=(Q(kind=Kind.CASE) & Q(case__isnull=False)) | (~Q(kind=Kind.CASE) & Q(case__isnull=True)),
                name="chat_case_channel_has_case",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind} {self.public_id}"

    @property
    def is_member_kind(self) -> bool:
        return self.kind in MEMBER_KINDS


class Membership(models.Model):
    """A person in a channel: for project, group and direct channels the list of who may read it;
    for every kind, how far they have read (unread counts)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    last_read_id = models.BigIntegerField(default=0, help_text="The newest message id this person has seen.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "user"], name="chat_membership_once")]


class Message(models.Model):
    """One message, or a reply in a thread (`parent`). Edits and deletions keep the text in MessageRevision."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    body = models.TextField()
    classification = classification_field()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    seq = models.BigIntegerField(default=0, help_text="The channel's change counter at this message's last change.")

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["channel", "seq"], name="chat_message_seq_idx")]

    def __str__(self) -> str:
        return f"message {self.public_id}"


def chat_file_path(instance: "MessageFile", filename: str) -> str:
    # Never the uploader's file name: it could carry personal data or a path (as attachments).
    return f"chat/{instance.message.channel.public_id}/{instance.public_id}"


class MessageFile(models.Model):
    """A file attached to a message: stored through the storage API, streamed only by the download view.

    Its tier is its own (at most the channel's, never TOP SECRET: `actions.post_message` refuses
    both), so an OFFICIAL leaflet in a SECRET channel stays OFFICIAL; a relabel of the case lifts it
    with the channel's family. Who may download it: `rules.evaluate_file`.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=chat_file_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="Detected from the content, not the name.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    classification = classification_field()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"file {self.public_id}"


class MessageRevision(models.Model):
    """What a message said before an edit or a deletion: kept for the audit, never shown in chat."""

    class Change(models.TextChoices):
        EDIT = "edit", "edit"
        DELETE = "delete", "delete"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="revisions")
    change = models.CharField(max_length=8, choices=Change.choices)
    body = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    classification = classification_field()

    class Meta:
        ordering = ["pk"]


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20, choices=[(code, emoji) for code, emoji in REACTIONS.items()])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user", "code"], name="chat_reaction_once")]


class Pin(models.Model):
    """Who pinned a message and when (the message's `is_pinned` is what pages read)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="pins")
    pinned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pinned_at = models.DateTimeField(default=timezone.now)
    unpinned_at = models.DateTimeField(null=True, blank=True)


class MentionQuerySet(models.QuerySet["Mention"]):
    def unseen(self) -> "MentionQuerySet":
        return self.filter(seen_at__isnull=True)


class Mention(models.Model):
    """An @mention of a person in a message: shown in chat until seen, and sent as a notice."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_mentions")
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    objects = MentionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="chat_mention_once")]
