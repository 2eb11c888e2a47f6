# SPDX-License-Identifier: MPL-2.0
"""The demo's co-edited document: a 答弁書 draft of 清掃リサイクル課 for the council's general questions.

Made through the authoring actions (policy, audit, events) once; a second run finds it by title.
The text is written as a Yjs update, as the editor would send it.
"""

from typing import Any

from django.db import transaction
from pycrdt import Doc, XmlElement, XmlFragment, XmlText

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions
from civicloop.authoring.models import Document
from civicloop.classification.policy import Context, DeviceTrust

TITLE = "令和8年第4回定例会 一般質問 答弁書（案）粗大ごみ収集体制について"
TEXT = [
    ("heading", "質問要旨"),
    ("paragraph", "粗大ごみの申込みから収集までの待ち日数が長くなっている。区の対応を伺う。"),
    ("heading", "答弁（清掃リサイクル課長）"),
    ("paragraph", "お答えします。本年度の粗大ごみ受付件数は前年度比で約1.3倍に増えております。"),
    ("paragraph", "区といたしましては、来年度から収集車を2台増やし、電子申請による受付を拡充してまいります。"),
]


def _update() -> bytes:
    doc: Doc[Any] = Doc()
    fragment = doc.get("default", type=XmlFragment)
    for node, text in TEXT:
        # TipTap keeps a heading's level as a number; pycrdt's types say str but store any value.
        attributes: Any = {"level": 2} if node == "heading" else None
        element = fragment.children.append(XmlElement(node, attributes))
        element.children.append(XmlText(text))
    return doc.get_update()


@transaction.atomic
def seed_authoring() -> int:
    """Create the demo's 答弁書 draft if it is missing; returns how many documents were made."""
    author = User.objects.filter(username="kakaricho-seiso").first()
    department = Department.objects.filter(code="seiso").first()
    if author is None or department is None or Document.objects.filter(title=TITLE).exists():
        return 0
    document = actions.create_document(
        title=TITLE,
        kind=Document.Kind.ANSWER,
        classification="OFFICIAL",
        department=department,
        created_by=author,
        context=Context(device_trust=DeviceTrust.MANAGED),
    )
    actions.append_update(document=document, update=_update(), author=author)
    return 1
