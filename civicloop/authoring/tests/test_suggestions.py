# SPDX-License-Identifier: MPL-2.0
"""Suggestions (the editor's suggest mode) accepted or rejected on the server, and how versions read them."""

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from pycrdt import XmlElement, XmlFragment, XmlText

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions, live, ydoc
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _suggested(document: Document, author: User) -> None:
    """「収集は週一回とする。」 with 「週一回」 proposed for removal and 「月二回」 proposed in its place."""
    doc = ydoc.load(*actions.stored_updates(document))
    before = doc.get_state()
    paragraph = doc.get("default", type=XmlFragment).children.append(XmlElement("paragraph"))
    text = paragraph.children.append(XmlText("収集は週一回月二回とする。"))
    # pycrdt counts UTF-8 bytes: three characters of kanji are nine
    text.format(9, 18, {ydoc.DELETE: {"id": "s-del", "author": "清掃 花子"}})
    text.format(18, 27, {ydoc.INSERT: {"id": "s-ins", "author": "清掃 花子"}})
    actions.append_update(document=document, update=doc.get_update(before), author=author)


def _text(document: Document) -> str:
    return ydoc.to_text(ydoc.load(*actions.stored_updates(document)))


def _decide(client: Client, document: Document, suggestion: str, decision: str) -> int:
    url = f"/staff/documents/{document.public_id}/suggestions/{suggestion}/"
    return int(client.post(url, {"decision": decision}).status_code)


def test_open_suggestions_are_listed_and_left_out_of_the_text_until_accepted(draft: Document, author: User) -> None:
    _suggested(draft, author)

    doc = ydoc.load(*actions.stored_updates(draft))

    assert [(s.id, s.kind, s.text) for s in ydoc.suggestions(doc)] == [
        ("s-del", ydoc.DELETE, "週一回"),
        ("s-ins", ydoc.INSERT, "月二回"),
    ]
    assert ydoc.to_text(doc) == "収集は週一回とする。"
    assert ydoc.to_html(doc) == "<p>収集は週一回とする。</p>"


@pytest.mark.parametrize(
    ("decisions", "text"),
    [
        ({"s-del": "accept", "s-ins": "accept"}, "収集は月二回とする。"),
        ({"s-del": "reject", "s-ins": "reject"}, "収集は週一回とする。"),
        ({"s-del": "accept", "s-ins": "reject"}, "収集はとする。"),
    ],
)
def test_accepting_or_rejecting_changes_the_stored_text(
    draft: Document, author: User, colleague: User, decisions: dict[str, str], text: str
) -> None:
    _suggested(draft, author)
    client = sign_in_with_mfa(Client(), colleague)

    codes = [_decide(client, draft, suggestion, decision) for suggestion, decision in decisions.items()]

    assert codes == [200, 200]
    doc = ydoc.load(*actions.stored_updates(draft))
    assert ydoc.to_text(doc) == text and ydoc.suggestions(doc) == []


def test_a_decision_is_audited_and_sent_to_the_open_editors(
    draft: Document, author: User, colleague: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given a suggestion and an editor's socket in the document's group
    _suggested(draft, author)
    before = actions.stored_updates(draft)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.group_name(draft), channel)
    # when a colleague accepts the words proposed
    with django_capture_on_commit_callbacks(execute=True):
        actions.decide_suggestion(document=draft, suggestion_id="s-ins", accept=True, actor=colleague, context=MANAGED)
    # then the editors get the server's update, and the audit log says who decided what
    message = async_to_sync(layer.receive)(channel)
    async_to_sync(layer.group_discard)(live.group_name(draft), channel)
    assert message["type"] == "document.update" and message["sender"] == ""
    replica = ydoc.load(*before)
    ydoc.apply(replica, message["update"])
    assert ydoc.to_text(replica) == "収集は週一回月二回とする。" == _text(draft)
    entry = AuditEntry.objects.get(object_id=str(draft.public_id), action="authoring.suggestion_accepted")
    assert entry.data["suggested_by"] == "清掃 花子" and entry.data["change"] == "insert"


def test_someone_outside_the_department_cannot_decide_and_a_reviewer_can(
    draft: Document, author: User, outsider: User, make_clerk: Callable[..., User]
) -> None:
    _suggested(draft, author)
    reviewer = make_clerk(department="kosodate_kyufu", username="reviewer")
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    actions.request_review(version=version, reviewers=[reviewer], requested_by=author, context=MANAGED)

    refused = _decide(sign_in_with_mfa(Client(), outsider), draft, "s-ins", "accept")
    accepted = _decide(sign_in_with_mfa(Client(), reviewer), draft, "s-ins", "accept")

    assert (refused, accepted) == (404, 200)


def test_a_suggestion_decided_already_or_on_a_signed_off_document_is_refused(
    draft: Document, author: User, colleague: User
) -> None:
    _suggested(draft, author)
    client = sign_in_with_mfa(Client(), author)
    assert _decide(client, draft, "s-ins", "reject") == 200

    again = _decide(client, draft, "s-ins", "accept")
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)
    actions.decide_review(review=review, reviewer=colleague, approve=True)
    actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)
    frozen = _decide(client, draft, "s-del", "accept")

    assert (again, frozen) == (409, 409)
    assert _text(draft) == "収集は週一回とする。"
