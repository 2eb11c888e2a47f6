# SPDX-License-Identifier: MPL-2.0
"""The clerks of the demo history: the demo staff where they exist, and fictional colleagues."""

from civicloop.accounts.models import Department, User
from civicloop.analytics.history.profiles import DAILY_VOLUME, DEFAULT_VOLUME
from civicloop.analytics.history.simulate import clerk_public_id
from civicloop.analytics.procedures import ProcedureInfo

FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "松本",
    "井上",
    "木村",
]
GIVEN = [
    "陽子",
    "健一",
    "美咲",
    "大輔",
    "由美",
    "誠",
    "明美",
    "翔",
    "恵",
    "拓也",
    "直子",
    "浩二",
    "彩",
    "亮",
    "真理",
    "隆",
]


def ensure_clerks(procedures: list[ProcedureInfo]) -> dict[str, list[str]]:
    """Public ids of the clerks per department (created when missing), sized by the department's volume."""
    volume: dict[str, float] = {}
    for info in procedures:
        if info.department:
            volume[info.department] = volume.get(info.department, 0.0) + DAILY_VOLUME.get(info.code, DEFAULT_VOLUME)
    departments = {d.code: d for d in Department.objects.filter(code__in=volume)}
    clerks: dict[str, list[str]] = {}
    n_person = 0
    for code in sorted(volume):
        if code not in departments:
            continue
        wanted = max(2, min(8, round(volume[code] / 25)))
        ids = []
        for i in range(wanted):
            username = f"history-{code}-{i + 1}"
            name = f"{FAMILY[n_person % len(FAMILY)]} {GIVEN[(n_person * 7 + 3) % len(GIVEN)]}"
            n_person += 1
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"kind": User.Kind.STAFF, "full_name": name, "public_id": clerk_public_id(username)},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.departments.add(departments[code])
            ids.append(str(user.public_id))
        # The demo clerks of the department take cases too, so their own dashboards have a story.
        demo = User.objects.filter(kind=User.Kind.STAFF, departments__code=code, username__startswith="clerk-")
        ids += sorted(str(pid) for pid in demo.values_list("public_id", flat=True))
        clerks[code] = ids
    return clerks
