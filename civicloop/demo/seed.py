# SPDX-License-Identifier: MPL-2.0
"""Demo data for the embedded default: a few staff members per department, never in production."""

from civicloop.accounts.models import Department, User
from civicloop.core.models import Classification

DEMO_STAFF = [
    ("clerk-seiso", "清掃 一郎", "seiso", Classification.OFFICIAL),
    ("clerk-kosodate", "子育 さくら", "kosodate_kyufu", Classification.SECRET),
    ("clerk-koseki", "戸籍 健", "koseki_juumin", Classification.OFFICIAL),
]


def seed() -> int:
    created = 0
    for username, name, department_code, clearance in DEMO_STAFF:
        user, is_new = User.objects.get_or_create(
            username=username, defaults={"kind": User.Kind.STAFF, "full_name": name, "clearance": clearance}
        )
        if is_new:
            user.set_unusable_password()
            user.save()
            created += 1
        department = Department.objects.filter(code=department_code).first()
        if department:
            user.departments.add(department)
    return created
