# SPDX-License-Identifier: MPL-2.0
"""A small cast for co-edited documents: clerks of 清掃リサイクル課 (seiso), one of 子育て給付課, a draft."""

from collections.abc import Callable
from typing import Any

import pytest
from pycrdt import Doc, XmlElement, XmlFragment, XmlText

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions, ydoc
from civicloop.authoring.models import Document
from civicloop.classification.policy import Context, DeviceTrust

MANAGED = Context(device_trust=DeviceTrust.MANAGED)


@pytest.fixture
def author(make_clerk: Callable[..., User]) -> User:
    return make_clerk(username="author", full_name="清掃 一郎")


@pytest.fixture
def colleague(make_clerk: Callable[..., User]) -> User:
    return make_clerk(username="colleague", full_name="清掃 花子")


@pytest.fixture
def outsider(make_clerk: Callable[..., User]) -> User:
    return make_clerk(department="kosodate_kyufu", username="outsider", full_name="子育 太郎")


@pytest.fixture
def draft(author: User) -> Document:
    return actions.create_document(
        title="第3回定例会 一般質問 答弁書",
        kind=Document.Kind.ANSWER,
        classification="OFFICIAL",
        department=Department.objects.get(code="seiso"),
        created_by=author,
        context=MANAGED,
    )


def paragraphs_update(*texts: str, doc: Doc[Any] | None = None) -> bytes:
    """A Yjs update adding one paragraph per text, as TipTap's Collaboration extension would."""
    doc = doc if doc is not None else Doc()
    fragment = doc.get("default", type=XmlFragment)
    before = doc.get_state()
    for text in texts:
        paragraph = fragment.children.append(XmlElement("paragraph"))
        paragraph.children.append(XmlText(text))
    return doc.get_update(before)


def write(document: Document, author: User, *texts: str) -> None:
    """Append paragraphs after the stored text (an update from a fresh Y document would race for the start)."""
    current = ydoc.load(*actions.stored_updates(document))
    actions.append_update(document=document, update=paragraphs_update(*texts, doc=current), author=author)
