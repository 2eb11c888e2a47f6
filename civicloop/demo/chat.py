# SPDX-License-Identifier: MPL-2.0
"""The demo's staff chat: a channel per demo department, 花子's case channel, a SECRET group, a few messages.

Made through the chat's actions (rules, audit, events) once; a second run finds the channels by name.
"""

from django.db import transaction

from civicloop.accounts.models import Department, User
from civicloop.cases.models import Case
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.collab import actions
from civicloop.collab.models import Channel
from civicloop.collab.rules import Kind

_AT_THE_OFFICE = Context(device_trust=DeviceTrust.MANAGED)
DEPARTMENT_TALK = {
    "seiso": [
        ("kacho-seiso", "今週の粗大ごみ受付は前週比で 1.3 倍です。回収ルートの調整をお願いします。"),
        ("clerk-seiso", "@kakaricho-seiso 神南地区の回収を木曜に寄せる案を作りました。確認をお願いします。"),
    ],
    "kosodate_kyufu": [("kacho-kosodate", "児童手当の現況届、今月分の処理状況を金曜の朝会で共有してください。")],
}


@transaction.atomic
def seed_chat() -> int:
    """Create the demo's channels and messages if they are missing; returns how many channels were made."""
    made = 0
    people = {u.username: u for u in User.objects.filter(kind=User.Kind.STAFF)}
    for code, talk in DEPARTMENT_TALK.items():
        department = Department.objects.filter(code=code).first()
        if department is None or Channel.objects.filter(kind=Kind.DEPARTMENT, department=department).exists():
            continue
        channel = actions.open_department_channel(
            department=department, name=department.name_ja, opened_by=people[talk[0][0]]
        )
        for username, body in talk:
            actions.post_message(channel=channel, author=people[username], body=body, context=_AT_THE_OFFICE)
        made += 1
    made += _case_channel(people)
    if (
        not Channel.objects.filter(kind=Kind.GROUP, name="個人情報の取扱い（秘）").exists()
        and "kacho-kosodate" in people
    ):
        group = actions.open_conversation(
            kind=Kind.GROUP,
            members=[people["kakaricho-seiso"], people["kacho-seiso"]],
            opened_by=people["kacho-kosodate"],
            name="個人情報の取扱い（秘）",
            classification="SECRET",
        )
        actions.post_message(
            channel=group,
            author=people["kacho-kosodate"],
            body="両課で共通の本人確認手順を来週までにまとめましょう。",
            context=_AT_THE_OFFICE,
        )
        made += 1
    return made


def _case_channel(people: dict[str, User]) -> int:
    # Her bulky-waste booking (seed._seed_first_application), not one of her certificate requests (demo.fees).
    case = (
        Case.objects.filter(
            application__applicant__username="demo-demo-0001",
            application__procedure_version__procedure__code="sodai-gomi",
        )
        .select_related("department")
        .order_by("pk")
        .first()
    )
    if case is None or Channel.objects.filter(case=case).exists() or "clerk-seiso" not in people:
        return 0
    channel = actions.open_case_channel(case=case, opened_by=people["clerk-seiso"], context=_AT_THE_OFFICE)
    actions.post_message(
        channel=channel,
        author=people["clerk-seiso"],
        body="申請者に回収場所を電話で確認しました。マンション前の集積所です。",
        context=_AT_THE_OFFICE,
    )
    return 1
