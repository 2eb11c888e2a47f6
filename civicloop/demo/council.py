# SPDX-License-Identifier: MPL-2.0
"""The demo's council session: 令和8年第4回定例会 with three questions, one answer final.

1. 粗大ごみ収集体制 (清掃リサイクル課): drafted, approved by 課長, 部長 and 副区長, signed off — 確定.
2. 児童手当の支給日 (子育て給付課): a version with its 課長 — 審査中.
3. 公園の夜間照明: no department yet, past its deadline — 未割当, overdue.

Made through the council and authoring actions (policy, audit, events) once; a second run finds
the session by name.
"""

from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from pycrdt import Doc, XmlElement, XmlFragment, XmlText

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document, Review
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.council import actions
from civicloop.council.models import Assignment, Session

SESSION = "令和8年第4回定例会"
MANAGED = Context(device_trust=DeviceTrust.MANAGED)
QUESTIONS = [
    (
        1,
        "representative",
        "渋谷 一郎",
        "粗大ごみ収集体制について",
        "申込みから収集までの待ち日数が長い。区の対応を伺う。",
        3,
    ),
    (
        2,
        "general",
        "代々木 花子",
        "児童手当の支給日について",
        "支給日の周知と、口座変更の手続の電子化について伺う。",
        2,
    ),
    (3, "general", "恵比寿 次郎", "公園の夜間照明について", "暗い公園の照明の増設計画を伺う。", -1),
]


def _text_update(*paragraphs: str) -> bytes:
    doc: Doc[Any] = Doc()
    fragment = doc.get("default", type=XmlFragment)
    for text in paragraphs:
        fragment.children.append(XmlElement("paragraph")).children.append(XmlText(text))
    return doc.get_update()


def _draft(assignment: Assignment, drafter: User, *paragraphs: str) -> Document:
    document = actions.start_answer(assignment=assignment, drafter=drafter, context=MANAGED)
    authoring.append_update(document=document, update=_text_update(*paragraphs), author=drafter)
    authoring.create_version(document=document, created_by=drafter, context=MANAGED)
    assignment.refresh_from_db()
    return document


def _approve_pending(document: Document) -> None:
    version = document.versions.order_by("-number").first()
    for review in Review.objects.filter(version=version, status=Review.Status.REQUESTED).select_related("reviewer"):
        authoring.decide_review(review=review, reviewer=review.reviewer, approve=True)


@transaction.atomic
def seed_council() -> int:
    """Create the demo session if it is missing; returns how many sessions were made."""
    secretary = User.objects.filter(username="clerk-gikai").first()
    seiso_clerk = User.objects.filter(username="clerk-seiso").first()
    kosodate_clerk = User.objects.filter(username="clerk-kosodate").first()
    if not (secretary and seiso_clerk and kosodate_clerk) or Session.objects.filter(name=SESSION).exists():
        return 0
    today = timezone.localdate()
    session = actions.register_session(
        name=SESSION,
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=10),
        created_by=secretary,
        context=MANAGED,
    )
    questions = [
        actions.register_question(
            session=session,
            kind=kind,
            number=number,
            member_name=member,
            subject=subject,
            text=text,
            answer_due_at=timezone.make_aware(datetime.combine(today + timedelta(days=days), time(17, 0))),
            registered_by=secretary,
            context=MANAGED,
        )
        for number, kind, member, subject, text, days in QUESTIONS
    ]
    final = actions.assign_question(
        question=questions[0], department=Department.objects.get(code="seiso"), assigned_by=secretary, context=MANAGED
    )
    document = _draft(
        final,
        seiso_clerk,
        "お答えします。本年度の粗大ごみ受付件数は前年度比で約1.3倍に増えております。",
        "区といたしましては、来年度から収集車を2台増やし、電子申請による受付を拡充してまいります。",
    )
    for _rank in range(3):  # 課長 → 部長 → 副区長
        actions.advance_answer(assignment=final, actor=seiso_clerk, context=MANAGED)
        _approve_pending(document)
    actions.advance_answer(assignment=final, actor=seiso_clerk, context=MANAGED)
    review = actions.assign_question(
        question=questions[1],
        department=Department.objects.get(code="kosodate_kyufu"),
        assigned_by=secretary,
        context=MANAGED,
    )
    _draft(review, kosodate_clerk, "お答えします。児童手当は偶数月の15日に支給しております。")
    actions.advance_answer(assignment=review, actor=kosodate_clerk, context=MANAGED)
    return 1
