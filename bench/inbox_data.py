# SPDX-License-Identifier: MPL-2.0
"""The 1,000,000-case data set of bench/inbox.py and bench/policy.py, and the clerk who reads it.

`ensure_dataset` makes (or reuses) the PostgreSQL database `civicloop_bench_inbox` with
`manage.py generate_cases`; the rest picks the busiest department's SECRET-cleared clerk, signs
them in on a managed office device, and lists the inbox views and case pages the bench opens.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench import services
from bench.services import log

# Another database name for a second copy beside the usual one (sessions sharing a machine).
DB_NAME = os.environ.get("CIVICLOOP_BENCH_INBOX_DB", "civicloop_bench_inbox")
DATABASE_URL = services.database_url(DB_NAME)
SEED = 1


def bench_env(var_dir: Path) -> dict[str, str]:
    """The app's bench environment on the data set's database."""
    return services.bench_env(var_dir, DATABASE_URL)


def dataset_marker() -> dict[str, Any] | None:
    """What `generate_cases` left in the bench database last time, if the database exists."""
    try:
        with services.pg_connect(DB_NAME) as conn:
            row = conn.execute("SELECT cases, seed, generate_s FROM bench_dataset").fetchone()
            count = conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    except Exception:
        return None
    return {"cases": row[0], "seed": row[1], "generate_s": row[2], "rows": count} if row else None


def ensure_dataset(env: dict[str, str], cases: int, *, fresh: bool = False) -> dict[str, Any]:
    """The bench database with `cases` generated cases: reused when it has them, else made anew."""
    marker = None if fresh else dataset_marker()
    # The workflow measurement adds a few hundred cases of its own each run; they do not count.
    if marker and marker["cases"] == cases and marker["seed"] == SEED and cases <= marker["rows"] <= cases * 1.01:
        log(f"reusing {DB_NAME}: {cases:,} cases generated earlier ({marker['generate_s']:.0f} s); migrating")
        services.manage(env, "migrate", "--noinput", "-v0")
        return {"reused": True, "generate_s": marker["generate_s"]}
    with services.pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    services.manage(env, "migrate", "--noinput", "-v0")
    services.manage(env, "load_catalog")
    log(f"generating {cases:,} cases (manage.py generate_cases --cases {cases} --seed {SEED})")
    started = time.monotonic()
    services.manage(env, "generate_cases", "--cases", str(cases), "--seed", str(SEED))
    seconds = round(time.monotonic() - started, 1)
    with services.pg_connect(DB_NAME) as conn:
        conn.execute("CREATE TABLE bench_dataset (cases bigint, seed int, generate_s float, at timestamptz)")
        conn.execute("INSERT INTO bench_dataset VALUES (%s, %s, %s, now())", [cases, SEED, seconds])
    return {"reused": False, "generate_s": seconds}


def bench_clerk() -> Any:
    """A SECRET-cleared clerk of the department with the most cases (where a scan costs the most)."""
    from django.db.models import Count

    from civicloop.accounts.models import Department, Position, User
    from civicloop.cases.models import Case
    from civicloop.core.models import Classification

    busiest = (
        Case.objects.values("department").annotate(n=Count("id")).order_by("-n").values_list("department", flat=True)
    )[0]
    department = Department.objects.get(pk=busiest)
    return User.objects.filter(
        username__startswith="gen-staff-",
        departments=department,
        position=Position.CLERK,
        clearance=Classification.SECRET,
    ).order_by("username")[0]


def staff_context() -> Any:
    """The policy context of the clerk's requests: a managed, compliant office device."""
    from civicloop.classification.policy import Context, DeviceTrust

    return Context(device_trust=DeviceTrust.MANAGED)


def managed_device_cookie(clerk: Any, client: Any) -> str:
    """Register the clerk's office laptop (managed), check it in as compliant and bind the session to it.

    Returns the signed device cookie as `name=value` ("" when the tree has no device registry):
    without it the policy treats the clerk's browser as an unknown device and shows OFFICIAL only.
    """
    try:
        from civicloop.devices import actions
        from civicloop.devices.api import PostureIn, posture_from
        from civicloop.devices.models import Device
        from civicloop.devices.sessions import SESSION_KEY, set_device_cookie
    except ImportError:
        return ""
    from django.conf import settings
    from django.http import HttpResponse
    from django.utils import timezone

    from civicloop.accounts.models import Role, User

    admin, _created = User.objects.get_or_create(
        username="gen-bench-admin", defaults={"kind": User.Kind.STAFF, "roles": [Role.ADMINISTRATOR.value]}
    )
    device = Device.objects.active().filter(owner=clerk, name="bench office laptop").first()
    if device is None:
        device, _token = actions.register_device(
            owner=clerk, kind=Device.Kind.MANAGED, name="bench office laptop", platform="windows", registered_by=admin
        )
    posture = PostureIn(
        os="Windows", os_version="11 23H2", patch_level=timezone.localdate(), disk_encrypted=True,
        screen_lock=True, jailbroken=False, agent_version="civicloop-bench/1",
    )  # fmt: skip
    actions.check_in_device(device=device, posture=posture_from(posture))
    session = client.session
    session[SESSION_KEY] = str(device.public_id)
    session.save()
    response = HttpResponse()
    set_device_cookie(response, device)
    value = response.cookies[settings.DEVICE_COOKIE_NAME].value
    client.cookies[settings.DEVICE_COOKIE_NAME] = value
    return f"{settings.DEVICE_COOKIE_NAME}={value}"


def signed_in_client(clerk: Any) -> Any:
    """A test client with the clerk signed in, without the password or TOTP forms.

    Staff need a second factor: `civicloop.accounts.testing.sign_in_with_mfa` writes the session
    records the real sign-in writes. Without it (an older tree) a plain force_login is enough.
    """
    from django.test import Client

    client = Client()
    try:
        from civicloop.accounts.testing import sign_in_with_mfa
    except ImportError:
        client.force_login(clerk)
    else:
        sign_in_with_mfa(client, clerk)
    return client


def inbox_paths(clerk: Any) -> list[str]:
    """Typical inbox views of a clerk: the default list and its pages, the usual filters, a receipt lookup."""
    from django.db.models import Count

    from civicloop.cases.models import Case

    visible = Case.objects.visible_to(clerk, staff_context())
    procedure = (
        visible.open()
        .values("application__procedure_version__procedure__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("application__procedure_version__procedure__code", flat=True)[0]
    )
    receipt = visible.order_by("-arrived_at").values_list("application__receipt_number", flat=True)[7]
    base = "/staff/inbox/"
    return [
        base,
        f"{base}?page=2",
        f"{base}?page=5",
        f"{base}?status=in_review",
        f"{base}?sla=overdue",
        f"{base}?sla=due_soon",
        f"{base}?assignee=none",
        f"{base}?assignee=me",
        f"{base}?procedure={procedure}",
        f"{base}?step=review",
        f"{base}?sort=-arrived",
        f"{base}?q={receipt}",
    ]


def case_paths(clerk: Any, count: int) -> list[str]:
    """Pages of `count` different cases the clerk may open: half open, half closed, spread over the ids."""
    from django.db.models.functions import Random

    from civicloop.cases.models import Case

    visible = Case.objects.visible_to(clerk, staff_context())
    open_ids = list(visible.open().order_by(Random()).values_list("public_id", flat=True)[: count // 2])
    closed = visible.filter(status=Case.Status.CLOSED)
    # A random sample without sorting a million rows: evenly spaced primary keys.
    top = closed.order_by("-pk").values_list("pk", flat=True)[0]
    step = max(1, top // count)
    closed_ids = list(
        closed.filter(pk__in=range(1, top + 1, step)).values_list("public_id", flat=True)[: count - len(open_ids)]
    )
    return [f"/staff/cases/{public_id}/" for public_id in open_ids + closed_ids]
