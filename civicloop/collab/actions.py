# SPDX-License-Identifier: MPL-2.0
"""Writes of staff chat: opening channels, posting, editing, deleting, reacting, pinning, reading.

Each action checks the chat rules itself (`rules.authorise_channel`), inside its transaction, so a
view, the admin or a command that forgets cannot open a write. Posting, editing and deleting are
audited (`chat.post`, `chat.edit`, `chat.delete`) and recorded as events; the text is in neither
(ids only). Locks: the channel row first (`select_for_update`), which orders every change of one
channel and numbers it (`Channel.last_seq`).
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.colleagues import colleagues
from civicloop.accounts.models import Department, User
from civicloop.cases.models import Case
from civicloop.classification import policy
from civicloop.classification.policy import Action, Context, DeviceTrust, NotPermitted, records_refusals
from civicloop.collab.models import (
    REACTIONS,
    Channel,
    Membership,
    Mention,
    Message,
    MessageFile,
    MessageRevision,
    Pin,
    Reaction,
)
from civicloop.collab.realtime import broadcast_after_commit, new_payload
from civicloop.collab.rules import ChatAction, Kind, authorise_channel, chat_allows, effective_tier, evaluate_channel
from civicloop.core import audit, events, insert_batch, pdf
from civicloop.core.files import ALLOWED_MIME, detect_mime
from civicloop.core.models import TIER_NAMES, Classification
from civicloop.notifications.actions import notify, staff_notice_department

MAX_BODY = 4000
MAX_FILES = 5  # files on one message
# What a chat file may be, by the type its bytes reveal: what residents may attach to an application.
FILE_TYPES = ("pdf", "jpeg", "png", "heic")
# @username: the characters Django allows in a username, less '@' and '+'.
MENTION = re.compile(r"(?<![\w@])@([\w.-]+)")
# Whom a mention may reach: someone who could read the channel from a device that opens its tier.
_ANY_ALLOWED_DEVICE = Context(device_trust=DeviceTrust.MANAGED)


class InvalidMessage(ValueError):
    """The text is empty or too long, the reply's parent is not a message of the channel, or the reaction unknown."""


class ChatRefused(ValueError):
    """The channel cannot exist as asked: TOP SECRET, or members who are not cleared for its tier."""


class FileRefused(ValueError):
    """A file cannot be shared here: its content, size or type, or its tier (above the channel's, or
    TOP SECRET). The message says which, in the reader's language."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    size: int
    mime: str
    sha256: str
    upload: "UploadedFile[bytes]"


def check_file(upload: "UploadedFile[bytes]") -> CheckedFile:
    """Size and the type its bytes reveal (never its name), and no active content in a PDF: the checks
    every uploaded file in the platform passes (applications.actions.check_upload)."""
    name = (upload.name or "file")[-200:]
    size = upload.size or 0
    if size == 0:
        raise FileRefused(_("%(name)s is empty.") % {"name": name})
    if size > settings.UPLOAD_MAX_BYTES:
        raise FileRefused(
            _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    mime = detect_mime(upload)
    if mime not in {m for kind in FILE_TYPES for m in ALLOWED_MIME[kind]}:
        raise FileRefused(
            _("%(name)s is not a PDF, JPEG, PNG or HEIC file (its content was checked, not its name).") % {"name": name}
        )
    if mime == "application/pdf" and (problem := pdf.refusal(upload, name)):
        raise FileRefused(problem)  # colleagues open it: nothing in it may run (core/pdf.py)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name, size, mime or "", digest.hexdigest(), upload)


def _file_tier(requested: str | None, channel_tier: str) -> str:
    """The tier a file is shared at: as asked (the channel's by default), never above the channel's, never TOP SECRET."""
    tier = requested or channel_tier
    if tier not in Classification.values:
        raise FileRefused(_("Choose the file's classification."))
    if not chat_allows(tier):
        raise FileRefused(_("TOP SECRET material is never shared in chat. Share it through its case, with a grant."))
    if policy.rank(tier) > policy.rank(channel_tier):
        raise FileRefused(
            _("A %(file)s file cannot be shared in a %(channel)s channel.")
            % {"file": TIER_NAMES[Classification(tier)], "channel": TIER_NAMES[Classification(channel_tier)]}
        )
    return tier


def _attach(message: Message, files: Sequence[CheckedFile], tier: str, author: User) -> list[MessageFile]:
    stored = []
    for checked in files:
        row = MessageFile(
            message=message,
            original_name=checked.name,
            content_type=checked.mime,
            size=checked.size,
            sha256=checked.sha256,
            classification=tier,
            uploaded_by=author,
        )
        row.file.save(row.public_id.hex, checked.upload, save=False)
        row.save()
        stored.append(row)
    return stored


def _check_tier(tier: str) -> None:
    if not chat_allows(tier):
        raise ChatRefused("TOP SECRET material is never shared in chat")


def _opened(channel: Channel, actor: User) -> Channel:
    events.record(
        "chat.channel_opened",
        subject=f"chat_channel/{channel.public_id}",
        data={
            "channel": str(channel.public_id),
            "kind": channel.kind,
            "department": channel.department.code if channel.department else "",
            "case": str(channel.case.public_id) if channel.case else "",
            "members": channel.memberships.count(),
            "by": f"user/{actor.public_id}",
        },
        classification=channel.classification,
        instance=channel,
    )
    return channel


@transaction.atomic
def department_channel(*, department: Department, opened_by: User) -> Channel:
    """The department's first channel, opened (as OFFICIAL, named after it) if it has none.

    The department's row is locked while looking, so two people pressing the button at once get one
    channel, not two.
    """
    Department.objects.select_for_update().filter(pk=department.pk).first()
    existing = Channel.objects.filter(kind=Kind.DEPARTMENT, department=department).order_by("pk").first()
    if existing is not None:
        return existing
    return open_department_channel(department=department, name=department.name_ja, opened_by=opened_by)


@transaction.atomic
def open_department_channel(
    *, department: Department, name: str, opened_by: User, classification: str = Classification.OFFICIAL
) -> Channel:
    """Open a channel for everyone of `department` cleared for its tier; only its members open one."""
    _check_tier(classification)
    if not opened_by.departments.filter(pk=department.pk).exists():
        raise NotPermitted("only a member of the department opens its channel")
    channel = Channel.objects.create(
        kind=Kind.DEPARTMENT, name=name, department=department, classification=classification, created_by=opened_by
    )
    return _opened(channel, opened_by)


@records_refusals
@transaction.atomic
def open_case_channel(*, case: Case, opened_by: User, context: Context) -> Channel:
    """The case's channel, opened at the case's tier by someone who may share the case in chat.

    The one policy decides (SHARE on the case: its department or a need-to-know grant, clearance
    and device; never for TOP SECRET). Opening twice returns the first channel.
    """
    policy.authorise(opened_by, Action.SHARE, case, context)
    existing = Channel.objects.filter(case=case).first()
    if existing is not None:
        return existing
    channel = Channel.objects.create(
        kind=Kind.CASE,
        name=str(case.application.receipt_number),
        case=case,
        department=case.department,
        classification=case.classification,
        created_by=opened_by,
    )
    return _opened(channel, opened_by)


@transaction.atomic
def open_conversation(
    *,
    kind: Kind,
    members: Iterable[User],
    opened_by: User,
    name: str = "",
    classification: str = Classification.OFFICIAL,
    department: Department | None = None,
) -> Channel:
    """A direct, group or project channel for named staff, each cleared for its tier.

    A direct conversation is between two people; asking for one that exists returns it.
    """
    if kind not in (Kind.DIRECT, Kind.GROUP, Kind.PROJECT):
        raise ChatRefused(f"{kind} channels are not opened by naming members")
    _check_tier(classification)
    people = {opened_by.pk: opened_by, **{m.pk: m for m in members}}
    uncleared = [
        u.username
        for u in people.values()
        if not u.is_staff_member or policy.rank(u.clearance) < policy.rank(classification)
    ]
    if uncleared:
        raise ChatRefused(f"not cleared for {classification}: {', '.join(sorted(uncleared))}")
    if kind is Kind.DIRECT:
        if len(people) != 2:
            raise ChatRefused("a direct conversation is between two people")
        existing = _direct_between(list(people), classification)
        if existing is not None:
            return existing
    channel = Channel.objects.create(
        kind=kind, name=name, classification=classification, department=department, created_by=opened_by
    )
    Membership.objects.bulk_create([Membership(channel=channel, user=u) for u in people.values()])
    return _opened(channel, opened_by)


def _direct_between(user_ids: list[int], classification: str) -> Channel | None:
    candidates = Channel.objects.filter(kind=Kind.DIRECT, classification=classification)
    for user_id in user_ids:
        candidates = candidates.filter(pk__in=Membership.objects.filter(user_id=user_id).values("channel_id"))
    return candidates.first()


def _clean(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidMessage("write a message")
    if len(text) > MAX_BODY:
        raise InvalidMessage(f"a message has at most {MAX_BODY} characters")
    return text


def _audited(action: str, actor: User, message: Message, channel: Channel, **data: object) -> None:
    audit.record(
        actor=policy.actor_label(actor),
        action=action,
        object_type="collab.message",
        object_id=str(message.public_id),
        data={"channel": str(channel.public_id), "kind": channel.kind, **data},
        classification=message.classification,
    )


def _event(event_type: str, message: Message, channel: Channel, **data: object) -> None:
    events.record(
        event_type,
        subject=f"chat_channel/{channel.public_id}",
        data={"channel": str(channel.public_id), "message": str(message.public_id), "kind": channel.kind, **data},
        classification=message.classification,
        instance=message,
    )


@records_refusals
@transaction.atomic
def post_message(
    *,
    channel: Channel,
    author: User,
    body: str,
    context: Context,
    parent: Message | None = None,
    files: Sequence["UploadedFile[bytes]"] = (),
    file_classification: str | None = None,
) -> Message:
    """Post a message (or a reply in `parent`'s thread), mention people, and announce it after commit.

    `files` are checked as every upload is (`check_file`) and shared at `file_classification` (the
    channel's tier when not given), which may not exceed the channel's tier and is never TOP SECRET.
    A message with files may have no text.
    """
    if len(files) > MAX_FILES:
        raise FileRefused(_("Attach at most %(n)s files to one message.") % {"n": MAX_FILES})
    checked = [check_file(upload) for upload in files]  # before the lock: reading files takes time
    # The channel's row is locked and its change numbers taken first, in one statement (a reply takes a
    # second for its thread's head, whose reply count changes); the rules then see the channel's tier
    # as locked, so a tier raised meanwhile is never posted past.
    seq = _claim_seq(channel, 2 if parent is not None else 1)
    authorise_channel(author, ChatAction.POST, channel, context)
    tier = _file_tier(file_classification, effective_tier(channel)) if checked else ""
    text = _clean(body) if body.strip() or not checked else ""
    if parent is not None and (parent.channel_id != channel.pk or parent.parent_id is not None or parent.is_deleted):
        raise InvalidMessage("reply to a message of this channel")
    # The message, its audit entry and its event go to the database together, in one statement on
    # PostgreSQL (core.insert_batch); files and mentions, when there are any, write it first.
    with insert_batch.collect():
        message = Message(
            channel=channel, author=author, parent=parent, body=text, classification=effective_tier(channel), seq=seq
        )
        insert_batch.add(message)
        if checked:
            insert_batch.flush()  # its files point at it: the message's id is needed now
        stored = _attach(message, checked, tier, author)
        changed = []
        if parent is not None:  # its reply count changed: readers of the channel page see it move
            Message.objects.filter(pk=parent.pk).update(seq=seq + 1)
            changed.append(parent)
        mentioned = _mention(message, channel, author)
        shared = [{"file": str(f.public_id), "sha256": f.sha256, "classification": f.classification} for f in stored]
        thread = str(parent.public_id) if parent else ""
        _audited("chat.post", author, message, channel, thread=thread, files=shared)
        _event("chat.message_posted", message, channel, thread=thread, mentions=len(mentioned), files=len(stored))
    _read_up_to(channel, author, message.pk)  # the message is written: its id is known
    broadcast_after_commit(channel, changed, known=[new_payload(message, stored)])
    return message


def _claim_seq(channel: Channel, count: int = 1) -> int:
    """Lock the channel's row and take its next `count` change numbers (the first is returned): one
    statement, which also reads the channel's tier as locked (and the case's, for a case channel)
    into `channel`. Take every number a change needs here: a second call would read the tier again."""
    table = connection.ops.quote_name(Channel._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + %s WHERE id = %s RETURNING last_seq, classification",  # noqa: S608 - the model's table
            [count, channel.pk],
        )
        channel.last_seq, channel.classification = cursor.fetchone()
    if channel.case is not None:  # loaded with the channel (access.get_channel_for_user): no query here
        channel.case.refresh_from_db(fields=["classification"])
    return channel.last_seq - count + 1


def _read_up_to(channel: Channel, user: User, message_id: int) -> None:
    """The author has read their own message: one upsert of their membership's marker (no savepoint)."""
    Membership.objects.bulk_create(
        [Membership(channel=channel, user=user, last_read_id=message_id)],
        update_conflicts=True,
        unique_fields=["channel", "user"],
        update_fields=["last_read_id"],
    )


def _owning_department(channel: Channel) -> str:
    if channel.case is not None:
        return channel.case.department_code
    return channel.department.code if channel.department is not None else ""


def _mention(message: Message, channel: Channel, author: User) -> list[User]:
    """Record and notify the @mentioned people who may read the channel; others are not told it exists."""
    names = {name.rstrip(".") for name in MENTION.findall(message.body)}
    if not names:  # most messages: no query to build, no link to reverse
        return []
    people = [
        user
        for user in colleagues().filter(username__in=names).exclude(pk=author.pk)
        if evaluate_channel(user, ChatAction.READ, channel, _ANY_ALLOWED_DEVICE).allowed
    ]
    Mention.objects.bulk_create([Mention(message=message, user=user) for user in people], ignore_conflicts=True)
    link = settings.SITE_URL.rstrip("/") + reverse("collab:channel-detail", args=[channel.public_id])
    for user in people:
        notify(
            user,
            "chat.mentioned",
            {"author": author.display_name, "channel": channel.name or "", "channel_url": link},
            subject=f"chat_channel/{channel.public_id}",
            classification=message.classification,
            dedupe_key=f"chat-mention-{message.public_id}",
            department=staff_notice_department(user, _owning_department(channel)),
        )
    return people


def _own(message: Message, actor: User, context: Context, count: int = 1) -> tuple[Channel, int]:
    """The message's channel, locked, and the first of the `count` change numbers taken for this change
    (`_claim_seq`)."""
    channel = message.channel
    seq = _claim_seq(channel, count)
    authorise_channel(actor, ChatAction.POST, channel, context)
    if message.author_id != actor.pk:
        raise NotPermitted("only the author changes a message")
    if message.is_deleted:
        raise InvalidMessage("the message was deleted")
    return channel, seq


@records_refusals
@transaction.atomic
def edit_message(*, message: Message, editor: User, body: str, context: Context) -> Message:
    """Change one's own message; what it said before is kept in MessageRevision."""
    channel, seq = _own(message, editor, context)
    text = _clean(body)
    if text == message.body:  # nothing changed: the change number taken is a harmless gap
        return message
    MessageRevision.objects.create(
        message=message,
        change=MessageRevision.Change.EDIT,
        body=message.body,
        changed_by=editor,
        classification=message.classification,
    )
    message.body, message.edited_at, message.seq = text, timezone.now(), seq
    message.save(update_fields=["body", "edited_at", "seq"])
    _audited("chat.edit", editor, message, channel, revisions=message.revisions.count())
    _event("chat.message_edited", message, channel)
    broadcast_after_commit(channel, [message])
    return message


@records_refusals
@transaction.atomic
def delete_message(*, message: Message, actor: User, context: Context) -> Message:
    """Delete one's own message: chat shows that it was deleted; its text stays in MessageRevision."""
    # A reply's thread head changes too (its reply count): it takes the second number.
    channel, seq = _own(message, actor, context, 2 if message.parent_id is not None else 1)
    MessageRevision.objects.create(
        message=message,
        change=MessageRevision.Change.DELETE,
        body=message.body,
        changed_by=actor,
        classification=message.classification,
    )
    message.body, message.is_deleted, message.is_pinned, message.seq = "", True, False, seq
    message.save(update_fields=["body", "is_deleted", "is_pinned", "seq"])
    changed = [message]
    if message.parent_id is not None:
        Message.objects.filter(pk=message.parent_id).update(seq=seq + 1)
        changed.append(Message.objects.get(pk=message.parent_id))
    _audited("chat.delete", actor, message, channel)
    _event("chat.message_deleted", message, channel)
    broadcast_after_commit(channel, changed)
    return message


@records_refusals
@transaction.atomic
def toggle_reaction(*, message: Message, user: User, code: str, context: Context) -> Message:
    """Add the reaction `code` to the message, or take it back if `user` had given it."""
    if code not in REACTIONS:
        raise InvalidMessage("unknown reaction")
    channel = message.channel
    seq = _claim_seq(channel)
    authorise_channel(user, ChatAction.POST, channel, context)
    if message.is_deleted:
        raise InvalidMessage("the message was deleted")
    taken_back, _n = Reaction.objects.filter(message=message, user=user, code=code).delete()
    if not taken_back:
        Reaction.objects.create(message=message, user=user, code=code)
    Message.objects.filter(pk=message.pk).update(seq=seq)
    broadcast_after_commit(channel, [message])
    return message


@records_refusals
@transaction.atomic
def toggle_pin(*, message: Message, user: User, context: Context) -> Message:
    """Pin a top-level message to the channel, or unpin it."""
    channel = message.channel
    seq = _claim_seq(channel)
    authorise_channel(user, ChatAction.POST, channel, context)
    if message.is_deleted or message.parent_id is not None:
        raise InvalidMessage("only a message of the channel (not a reply) is pinned")
    now = timezone.now()
    if message.is_pinned:
        Pin.objects.filter(message=message, unpinned_at__isnull=True).update(unpinned_at=now)
    else:
        Pin.objects.create(message=message, pinned_by=user, pinned_at=now)
    message.is_pinned, message.seq = not message.is_pinned, seq
    message.save(update_fields=["is_pinned", "seq"])
    _event("chat.message_pinned", message, channel, pinned=message.is_pinned)
    broadcast_after_commit(channel, [message])
    return message


def mark_read(*, channel: Channel, user: User, messages: Sequence[Message]) -> None:
    """Remember the newest of `messages` as read by `user` (never moves back); their mentions are seen."""
    if not messages:
        return
    newest = max(m.pk for m in messages)
    with transaction.atomic():
        membership, _created = Membership.objects.get_or_create(channel=channel, user=user)
        Membership.objects.filter(pk=membership.pk, last_read_id__lt=newest).update(last_read_id=newest)
        Mention.objects.filter(
            user=user, message__channel=channel, message_id__lte=newest, seen_at__isnull=True
        ).update(seen_at=timezone.now())
