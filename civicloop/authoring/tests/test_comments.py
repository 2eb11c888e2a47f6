# SPDX-License-Identifier: MPL-2.0
"""Comments anchored to the text: threads, replies, resolving, through the editor's JSON endpoints."""

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions
from civicloop.authoring.models import Comment, Document
from civicloop.authoring.tests.conftest import MANAGED, write
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ANCHOR = base64.b64encode(bytes([1, 2, 3, 4])).decode()  # what the editor sends: an encoded relative position


def _comment(client: Client, document: Document, body: str = "「週一回」の根拠条例を明記してください。") -> Any:
    return client.post(
        f"/staff/documents/{document.public_id}/comments/",
        {"body": body, "quote": "週一回", "anchor_start": ANCHOR, "anchor_end": ANCHOR},
    )


def test_a_clerk_comments_on_words_and_a_colleague_replies_in_the_thread(
    draft: Document, author: User, colleague: User
) -> None:
    # given a draft with text
    write(draft, author, "収集は週一回とする。")
    # when the author comments on the words and a colleague replies
    created = _comment(sign_in_with_mfa(Client(), author), draft)
    root = Comment.objects.get(public_id=created.json()["id"])
    reply = sign_in_with_mfa(Client(), colleague).post(
        f"/staff/documents/comments/{root.public_id}/replies/", {"body": "条例第5条を追記します。"}
    )
    # then the thread lists both, with the anchor as sent and who may resolve it
    assert created.status_code == 201 and reply.status_code == 201
    threads = sign_in_with_mfa(Client(), colleague).get(f"/staff/documents/{draft.public_id}/comments.json").json()
    [thread] = threads["threads"]
    assert thread["quote"] == "週一回" and thread["anchor_start"] == ANCHOR and thread["anchor_end"] == ANCHOR
    assert thread["author"] == "清掃 一郎" and not thread["resolved"] and thread["may_resolve"]
    assert [r["body"] for r in thread["replies"]] == ["条例第5条を追記します。"]
    assert bytes(root.anchor_start) == bytes([1, 2, 3, 4])


def test_a_reply_to_a_reply_joins_the_same_thread(draft: Document, author: User, colleague: User) -> None:
    root = actions.add_comment(
        document=draft, author=author, body="確認", quote="", anchor_start=b"", anchor_end=b"", context=MANAGED
    )
    first = actions.reply_to_comment(comment=root, author=colleague, body="一", context=MANAGED)

    second = actions.reply_to_comment(comment=first, author=author, body="二", context=MANAGED)

    assert second.parent_id == root.pk


def test_someone_outside_the_department_can_neither_read_nor_write_comments(
    draft: Document, author: User, outsider: User
) -> None:
    root = actions.add_comment(
        document=draft, author=author, body="内部の検討", quote="", anchor_start=b"", anchor_end=b"", context=MANAGED
    )
    client = sign_in_with_mfa(Client(), outsider)

    responses = [
        client.get(f"/staff/documents/{draft.public_id}/comments.json"),
        _comment(client, draft),
        client.post(f"/staff/documents/comments/{root.public_id}/replies/", {"body": "見えますか"}),
        client.post(f"/staff/documents/comments/{root.public_id}/resolve/", {"resolved": "on"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert Comment.objects.count() == 1 and Comment.objects.get().resolved_at is None
    assert not Comment.objects.visible_to(outsider, MANAGED).exists()
    assert Comment.objects.visible_to(author, MANAGED).count() == 1


def test_a_reviewer_from_another_department_comments_but_resolves_only_their_own(
    draft: Document, author: User, make_clerk: Callable[..., User]
) -> None:
    # given a reviewer outside the department, who reads the document through the review's grant
    reviewer = make_clerk(department="kosodate_kyufu", username="reviewer")
    write(draft, author, "本文")
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    actions.request_review(version=version, reviewers=[reviewer], requested_by=author, context=MANAGED)
    theirs = actions.add_comment(
        document=draft, author=author, body="作成者の覚書", quote="", anchor_start=b"", anchor_end=b"", context=MANAGED
    )
    client = sign_in_with_mfa(Client(), reviewer)
    # when the reviewer comments, resolves their own thread and tries the author's
    mine = Comment.objects.get(public_id=_comment(client, draft, "表現を改めてください。").json()["id"])
    own = client.post(f"/staff/documents/comments/{mine.public_id}/resolve/", {"resolved": "on"})
    other = client.post(f"/staff/documents/comments/{theirs.public_id}/resolve/", {"resolved": "on"})
    # then only their own is resolved
    assert own.status_code == 200 and own.json()["resolved"] is True
    assert other.status_code == 403
    theirs.refresh_from_db()
    assert theirs.resolved_at is None


def test_a_colleague_resolves_a_thread_and_opens_it_again_and_each_step_is_audited(
    draft: Document, author: User, colleague: User
) -> None:
    root = actions.add_comment(
        document=draft, author=author, body="要確認", quote="", anchor_start=b"", anchor_end=b"", context=MANAGED
    )
    client = sign_in_with_mfa(Client(), colleague)

    resolved = client.post(f"/staff/documents/comments/{root.public_id}/resolve/", {"resolved": "on"})
    reopened = client.post(f"/staff/documents/comments/{root.public_id}/resolve/", {})

    assert resolved.json()["resolved"] is True and reopened.json()["resolved"] is False
    audited = list(
        AuditEntry.objects.filter(object_id=str(draft.public_id), action__startswith="authoring.comment")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert audited == ["authoring.commented", "authoring.comment_resolved", "authoring.comment_reopened"]


def test_an_anchor_that_is_not_base64_or_too_long_is_refused(draft: Document, author: User) -> None:
    client = sign_in_with_mfa(Client(), author)
    long_anchor = base64.b64encode(bytes(300)).decode()

    not_base64 = client.post(
        f"/staff/documents/{draft.public_id}/comments/",
        {"body": "x", "quote": "x", "anchor_start": "@@", "anchor_end": ANCHOR},
    )
    too_long = client.post(
        f"/staff/documents/{draft.public_id}/comments/",
        {"body": "x", "quote": "x", "anchor_start": long_anchor, "anchor_end": ANCHOR},
    )

    assert not_base64.status_code == 400 and too_long.status_code == 400
    assert not Comment.objects.exists()
