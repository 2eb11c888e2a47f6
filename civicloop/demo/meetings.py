# SPDX-License-Identifier: MPL-2.0
"""The demo's paperless meeting: 清掃リサイクル課's 課内会議 next working day, agenda and materials on screen.

The 課長 calls it; the 係長 and the clerk attend; two agenda items; the 答弁書 draft of the demo
(civicloop/demo/authoring.py) and a one-page report are shared as materials to read on screen, and
the 係長 has opened the report once, so the staff dashboard's "pages not printed" is not empty.
Made through the meetings actions (policy, audit, events) once; a second run finds it by title.
"""

from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from pycrdt import Doc, XmlElement, XmlFragment, XmlText

from civicloop.accounts.models import Department, User
from civicloop.analytics.models import InternalMailCount
from civicloop.authoring import actions as authoring
from civicloop.authoring.models import Document
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.core.calendar import add_business_days
from civicloop.demo.authoring import TITLE as ANSWER_TITLE
from civicloop.meetings import actions
from civicloop.meetings.models import Meeting

TITLE = "清掃リサイクル課 課内会議（粗大ごみ収集体制の見直し）"
REPORT = "粗大ごみ受付状況の報告（11月分）"
REPORT_TEXT = [
    "11月の粗大ごみ受付は1,284件（前年同月比 +28%）、うち電子申請 61%。",
    "申込みから収集までの待ち日数は平均 9.4 日（目標 7 日）。",
    "来年度の収集車 2 台増車案を、議会答弁書（案）とあわせて検討する。",
]
MANAGED = Context(device_trust=DeviceTrust.MANAGED)


def _text(*paragraphs: str) -> bytes:
    doc: Doc[Any] = Doc()
    fragment = doc.get("default", type=XmlFragment)
    for paragraph in paragraphs:
        fragment.children.append(XmlElement("paragraph")).children.append(XmlText(paragraph))
    return doc.get_update()


@transaction.atomic
def seed_meetings() -> int:
    """Schedule the demo's meeting if it is missing; returns how many meetings were made."""
    people = {
        u.username: u for u in User.objects.filter(username__in=["kacho-seiso", "kakaricho-seiso", "clerk-seiso"])
    }
    department = Department.objects.filter(code="seiso").first()
    if len(people) < 3 or department is None or Meeting.objects.filter(title=TITLE).exists():
        return 0
    kacho, kakaricho, clerk = people["kacho-seiso"], people["kakaricho-seiso"], people["clerk-seiso"]
    day = add_business_days(timezone.localdate(), 1)
    meeting = actions.schedule_meeting(
        title=TITLE,
        starts_at=timezone.make_aware(datetime.combine(day, time(10, 0))),
        place="本庁舎 7階 第2会議室（オンライン参加可）",
        department=department,
        created_by=kacho,
        context=MANAGED,
    )
    for person in (kakaricho, clerk):
        actions.add_attendee(meeting=meeting, person=person, added_by=kacho, context=MANAGED)
    status = actions.add_agenda_item(
        meeting=meeting,
        title="11月の受付状況",
        added_by=kacho,
        context=MANAGED,
        presenter="清掃 一郎",
        duration_minutes=10,
    )
    answer = actions.add_agenda_item(
        meeting=meeting, title="議会答弁書（案）の確認", added_by=kacho, context=MANAGED, presenter="清掃 係長 二郎",
        duration_minutes=20,
    )  # fmt: skip
    report = authoring.create_document(
        title=REPORT, kind=Document.Kind.REPORT, classification="OFFICIAL", department=department,
        created_by=clerk, context=MANAGED,
    )  # fmt: skip
    authoring.append_update(document=report, update=_text(*REPORT_TEXT), author=clerk)
    shared = actions.share_material(
        meeting=meeting, document=report, shared_by=clerk, context=MANAGED, agenda_item=status, page_count=1
    )
    draft = Document.objects.filter(title=ANSWER_TITLE).first()
    if draft is not None:
        actions.share_material(
            meeting=meeting, document=draft, shared_by=kakaricho, context=MANAGED, agenda_item=answer, page_count=2
        )
    actions.view_material(material=shared, viewer=kakaricho, context=MANAGED)
    return 1


# What the demo's mail server would report for 清掃リサイクル課, the last twelve months (oldest
# first): internal e-mail falling as the department moved to chat, for the staff dashboard.
DEMO_MAIL_COUNTS = [1480, 1455, 1502, 1390, 1310, 1225, 1180, 1040, 960, 870, 790, 720]


def seed_mail_counts() -> int:
    """The demo's internal e-mail figures (as `import_mail_counts` would load them), once."""
    if InternalMailCount.objects.filter(department="seiso").exists():
        return 0
    month = timezone.localdate().replace(day=1)
    months = []
    for _ in DEMO_MAIL_COUNTS:
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    InternalMailCount.objects.bulk_create(
        InternalMailCount(month=m, department="seiso", messages=n, source="demo")
        for m, n in zip(reversed(months), DEMO_MAIL_COUNTS, strict=True)
    )
    return len(DEMO_MAIL_COUNTS)
