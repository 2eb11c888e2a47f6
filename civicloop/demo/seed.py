# SPDX-License-Identifier: MPL-2.0
"""Demo data for the embedded default: staff per department and the demo residents' first applications.

Never installed in production (the demo app is only in INSTALLED_APPS with CIVICLOOP_DEMO on).
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from civicloop.accounts.models import Department, OidcIdentity, Position, Role, User
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.core.models import Classification
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
]

# 渋谷 花子 has already booked a bulky-waste collection, so "my applications" is not empty at first sign-in.
HANAKO_BULKY_WASTE = {
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
        "preferred_date": "2026-12-14",
    },
}


def demo_admin_password() -> str:
    """The demo administrator's password: random per installation, kept in var/ (never in the repository)."""
    path = settings.VAR_DIR / "demo-admin-password.txt"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def seed() -> int:
    """Create what is missing; running it again changes nothing. Returns how many records were made."""
    created = 0
    for username, name, department_code, clearance, position in DEMO_STAFF:
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={"kind": User.Kind.STAFF, "full_name": name, "clearance": clearance, "position": position},
        )
        if is_new or not user.has_usable_password():
            user.set_password(demo_admin_password())  # demo only: one per-installation password for staff
            user.save()
            created += int(is_new)
        department = Department.objects.filter(code=department_code).first()
        if department:
            user.departments.add(department)
    if not User.objects.filter(username="demo-admin").exists():
        User.objects.create_superuser(
            username="demo-admin",
            password=demo_admin_password(),
            kind=User.Kind.STAFF,
            full_name="デモ 管理者",
            roles=[Role.ADMINISTRATOR],
        )
        created += 1
    created += _seed_staff_security()
    for resident in DEMO_RESIDENTS:
        identity = OidcIdentity.objects.filter(issuer=settings.OIDC_ISSUER, subject=resident["sub"]).first()
        if identity is None:
            user = User.objects.create(
                username=f"demo-{resident['sub']}",
                kind=User.Kind.RESIDENT,
                full_name=resident["name"],
                full_name_kana=resident["name_kana"],
                birthdate=date.fromisoformat(resident["birthdate"]),
                address=resident["address"],
                email=resident["email"],
            )
            OidcIdentity.objects.create(user=user, issuer=settings.OIDC_ISSUER, subject=resident["sub"])
            created += 1
    hanako = User.objects.filter(oidc_identities__subject="demo-0001").first()
    procedure = Procedure.objects.published().filter(code="sodai-gomi").first()
    if hanako and procedure and not Application.objects.filter(applicant=hanako).exists():
        actions.submit_from_api(
            user=hanako, procedure=procedure, answers=HANAKO_BULKY_WASTE, idempotency_key="demo-seed-bulky-waste"
        )
        created += 1
    return created


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
    for user in User.objects.filter(username__in=[s[0] for s in DEMO_STAFF] + ["demo-admin"]):
        created += int(ensure_second_factor(user))
        created += int(ensure_managed_device(user, administrator=administrator, today_posture=posture))
    return created
