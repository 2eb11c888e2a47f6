# SPDX-License-Identifier: MPL-2.0
"""Demo data for the embedded default: staff per department and the demo residents' first applications.

Never installed in production (the demo app is only in INSTALLED_APPS with CIVICLOOP_DEMO on).
"""

import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from civicloop.accounts.models import Department, OidcIdentity, Position, Role, User
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.core.calendar import add_business_days
from civicloop.core.models import Classification
from civicloop.demo import idp
from civicloop.demo.authoring import seed_authoring
from civicloop.demo.chat import seed_chat
from civicloop.demo.council import seed_council
from civicloop.demo.fees import seed_fees
from civicloop.demo.meetings import seed_mail_counts, seed_meetings
from civicloop.demo.procurement import seed_procurement
from civicloop.demo.residents import DEMO_RESIDENTS
from civicloop.demo.staff_security import ensure_managed_device, ensure_second_factor
from civicloop.devices.compliance import Posture

# (username, name, department, clearance, rank): each department has a clerk and the 係長 and 課長
# its usual 決裁 route needs (専決規程: procedures/_shared/approval_rules.yaml).
DEMO_STAFF = [
    ("clerk-seiso", "清掃 一郎", "seiso", Classification.OFFICIAL, Position.CLERK),
    ("kakaricho-seiso", "清掃 係長 二郎", "seiso", Classification.SECRET, Position.KAKARICHO),
    ("kacho-seiso", "清掃 課長 三枝", "seiso", Classification.SECRET, Position.KACHO),
    ("clerk-kosodate", "子育 さくら", "kosodate_kyufu", Classification.SECRET, Position.CLERK),
    ("kakaricho-kosodate", "子育 係長 陽菜", "kosodate_kyufu", Classification.SECRET, Position.KAKARICHO),
    ("kacho-kosodate", "子育 課長 髙橋", "kosodate_kyufu", Classification.SECRET, Position.KACHO),
    ("clerk-koseki", "戸籍 健", "koseki_juumin", Classification.OFFICIAL, Position.CLERK),
    ("kakaricho-koseki", "戸籍 係長 𠮷田", "koseki_juumin", Classification.SECRET, Position.KAKARICHO),
    # Council answers (civicloop/demo/council.py): the secretariat, and the 部長 and 副区長 above the 課長.
    ("clerk-gikai", "議会 事務 恵美", "gikai", Classification.OFFICIAL, Position.CLERK),
    ("bucho-seiso", "環境 部長 四方", "seiso", Classification.SECRET, Position.BUCHO),
    ("bucho-kosodate", "子ども 部長 五十嵐", "kosodate_kyufu", Classification.SECRET, Position.BUCHO),
    ("fuku-kucho", "副区長 六角", "somu", Classification.SECRET, Position.FUKU_KUCHO),
    # Procurement (civicloop/demo/procurement.py): the tendering 課 and 契約課, who verifies suppliers.
    ("clerk-dx", "デジタル 推進 美咲", "dx", Classification.OFFICIAL, Position.CLERK),
    ("clerk-keiyaku", "契約 審査 誠", "keiyaku", Classification.OFFICIAL, Position.CLERK),
]

# 渋谷 花子 has already booked a bulky-waste collection, so "my applications" is not empty at first sign-in.
HANAKO_BULKY_WASTE: dict[str, Any] = {
    "applicant": {"family": "渋谷", "given": "花子", "family_kana": "シブヤ", "given_kana": "ハナコ"},
    "contact": {"phone": "03-3463-1211", "email": "hanako@example.jp"},
    "items": [{"item": "chest", "quantity": 1, "detail": "幅90cm"}, {"item": "bicycle", "quantity": 1}],
    "collection": {
        "address": {
            "postal_code": "150-0042",
            "prefecture": "東京都",
            "city": "渋谷区",
            "town": "宇田川町",
            "block": "1-1",
            "building": "シブヤハイツ101",
        },
        "preferred_date": "",  # set when seeding: sodai-gomi.yaml wants a working day at least 7 days ahead
    },
}


def _collection_day() -> date:
    return add_business_days(timezone.localdate(), 7)


def demo_admin_password() -> str:
    """The demo administrator's password: random per installation, kept in var/ (never in the repository)."""
    path = settings.VAR_DIR / "demo-admin-password.txt"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def seed() -> int:
    """Create what is missing and re-point what moved; running it again changes nothing.

    Safe to repeat and to re-point: every record is found by its natural key (usernames, the
    provider's subject), so a second run, or one after CIVICLOOP_SITE_URL or the port changed,
    adds nothing twice. Returns how many records were made.
    """
    created = _seed_staff()
    created += _seed_staff_security()
    created += _seed_residents()
    created += _seed_first_application()
    created += seed_chat()
    created += seed_authoring()
    created += seed_council()
    created += seed_meetings()
    created += seed_mail_counts()
    created += seed_procurement()
    created += seed_fees()
    return created


def _seed_staff() -> int:
    """The demo staff and administrator, by username, each with this installation's demo password."""
    created = 0
    for username, name, department_code, clearance, position in DEMO_STAFF:
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={"kind": User.Kind.STAFF, "full_name": name, "clearance": clearance, "position": position},
        )
        created += int(is_new)
        department = Department.objects.filter(code=department_code).first()
        if department:
            user.departments.add(department)
    _administrator, is_new = User.objects.get_or_create(
        username="demo-admin",
        defaults={
            "kind": User.Kind.STAFF,
            "full_name": "デモ 管理者",
            "roles": [Role.ADMINISTRATOR],
            "is_staff": True,
            "is_superuser": True,
        },
    )
    created += int(is_new)
    _align_staff_passwords()
    return created


def _align_staff_passwords() -> None:
    """Give every demo staff account the password `make run` prints, whatever an earlier seed set.

    The printed password must work: an account keeps an older one when the database outlived its
    VAR_DIR (a shared PostgreSQL). Hashing is deliberately slow (PBKDF2), so the password is
    hashed once for everybody and checked once per distinct stored hash, not once per account.
    """
    password = demo_admin_password()
    is_current: dict[str, bool] = {}
    shared_hash = ""
    for user in User.objects.filter(username__in=demo_staff_usernames()):
        if user.password not in is_current:
            is_current[user.password] = check_password(password, user.password)
        if not is_current[user.password]:
            shared_hash = shared_hash or make_password(password)
            user.password = shared_hash
            user.save(update_fields=["password"])


def _seed_residents() -> int:
    """The demo residents, by username, each linked to the demo provider at its current address.

    The provider's issuer is `<SITE_URL>/demo-idp`, so it moves with the site URL. A resident
    linked under an earlier address keeps that link and gains one for the current issuer: a
    sign-in at either address finds the same resident and her applications. A subject someone
    already signed in with at this issuer stays theirs (the unique pair is never written twice).
    """
    created = 0
    for resident in DEMO_RESIDENTS:
        user, is_new = User.objects.get_or_create(
            username=f"demo-{resident['sub']}",
            defaults={
                "kind": User.Kind.RESIDENT,
                "full_name": resident["name"],
                "full_name_kana": resident["name_kana"],
                "birthdate": date.fromisoformat(resident["birthdate"]),
                "address": resident["address"],
                "email": resident["email"],
            },
        )
        created += int(is_new)
        OidcIdentity.objects.get_or_create(issuer=idp.issuer(), subject=resident["sub"], defaults={"user": user})
    return created


def _seed_first_application() -> int:
    """渋谷 花子's bulky-waste booking, once."""
    hanako = User.objects.filter(username="demo-demo-0001").first()
    procedure = Procedure.objects.published().filter(code="sodai-gomi").first()
    if hanako is None or procedure is None or Application.objects.filter(applicant=hanako).exists():
        return 0
    collection = {**HANAKO_BULKY_WASTE["collection"], "preferred_date": _collection_day().isoformat()}
    actions.submit_from_api(
        user=hanako,
        procedure=procedure,
        answers={**HANAKO_BULKY_WASTE, "collection": collection},
        idempotency_key="demo-seed-bulky-waste",
    )
    return 1


def demo_staff_usernames() -> list[str]:
    """Every demo staff account, the administrator last."""
    return [s[0] for s in DEMO_STAFF] + ["demo-admin"]


def _seed_staff_security() -> int:
    """Every demo staff member gets a TOTP app (staff need a second factor) and a managed laptop."""
    administrator = User.objects.get(username="demo-admin")
    if not administrator.has_role(Role.ADMINISTRATOR):  # seeded before administrators had the role
        administrator.roles = [*administrator.roles, Role.ADMINISTRATOR]
        administrator.save(update_fields=["roles"])
    posture = Posture(
        os="Windows",
        os_version="11 24H2",
        patch_level=timezone.localdate() - timedelta(days=7),
        disk_encrypted=True,
        screen_lock=True,
        jailbroken=False,
        agent_version="civicloop-demo-agent/1",
    )
    created = 0
    for user in User.objects.filter(username__in=demo_staff_usernames()):
        created += int(ensure_second_factor(user))
        created += int(ensure_managed_device(user, administrator=administrator, today_posture=posture))
    return created
