# SPDX-License-Identifier: MPL-2.0
"""What `manage.py generate_cases` generates from: the published procedures and the staff who work them."""

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password

from civicloop.accounts.models import Position, User
from civicloop.cases.management.bulk_copy import escape
from civicloop.cases.management.sample_data import Person, answer_pool
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import resolve
from civicloop.catalog.models import Procedure
from civicloop.core.models import Classification

# Relative yearly volume of each procedure in a ward of ~230,000 (certificates and moves dominate;
# unknown procedures count 1). Only the shape matters: it decides how full each inbox is.
VOLUME = {
    "juminhyo": 30, "sodai-gomi": 16, "kazei-shomei": 12, "koseki-shomei": 10, "tennyu": 8,
    "tenshutsu": 7, "kokuho-ido": 8, "tenkyo": 5, "inkan-toroku": 4, "jido-teate": 3,
    "kodomo-iryohi": 3, "hoiku-moshikomi": 2, "doro-sonsho": 2, "ninshin": 1.5, "shussei": 1.5,
}  # fmt: skip
TIERS = [Classification.OFFICIAL, Classification.SECRET, Classification.TOP_SECRET]
TIER_WEIGHTS = [80, 15, 5]  # the seed's reference distribution (DOMAIN.md)
REFUSALS = ["要件を満たしていないため", "必要な書類が期限までに提出されなかったため", "対象期間外の申請のため"]
CORRECTION_REASONS = ["添付書類が不鮮明です。再度提出してください。", "記載内容に不足があります。ご確認ください。"]
# The share of cases still open by age, in multiples of the procedure's processing period: most
# finish within it, some run over, a few stragglers stay open for long (about a quarter of the open
# cases end up overdue, more for same-day certificates).
OPEN_SHARE = [(0.5, 0.9), (1.0, 0.6), (2.0, 0.15), (4.0, 0.03), (float("inf"), 0.0002)]
ANSWERS_PER_PROCEDURE = 48
CHUNK = 20_000
MAX_EVENTS_PER_CASE = 5  # submitted, opened, claimed, correction requested, closed
NAME_SLOT = "\x00applicant\x00"  # stands for the applicant's name in a pre-serialised answer


@dataclass
class Proc:
    """What the generator needs of one published procedure."""

    code: str
    version_id: int
    department_id: int
    department_code: str
    days: int
    day_kind: str
    is_notification: bool
    allows_guest: bool
    workflow: str
    open_steps: list[str]  # user tasks an in-review case of this process may wait on
    name_key: str | None  # the top-level answer holding the applicant's name, if any
    name_slot: str  # where that name goes in each of pool_json
    pool_json: list[str]  # valid answers as COPY text
    first_fields_json: str  # what an open 補正 asks to correct
    event_data: dict[str, str]  # an event's data as COPY text, by the case's outcome ("" while open)


@dataclass(frozen=True)
class Ids:
    """Where this run's rows start: ids are taken as MAX(id) + 1 under a table lock."""

    resident: int
    application: int
    case: int
    position: int | None  # the relay's log position of the first generated event, if events have one


def open_steps(workflow: str) -> list[str]:
    """User tasks an in-review case may wait on: those of its BPMN file between intake and the end."""
    try:
        from civicloop.catalog.process import process_file

        text = process_file(workflow).path.read_text()
    except Exception:  # the workflow module is optional here: fall back to plain review
        return ["review"]
    tasks = set(re.findall(r'userTask id="([a-z_]+)"', text)) - {"intake", "correction"}
    # Review is where most open cases sit; the rest share what remains.
    return ["review"] * 4 + sorted(tasks - {"review"}) if tasks else ["review"]


def load_procs(codes: list[str] | None, rng: random.Random, today: date, log: Callable[[str], None]) -> list[Proc]:
    procedures = Procedure.objects.published().select_related("department", "current_version")
    if codes:
        procedures = procedures.filter(department__code__in=codes)
    procs = []
    for procedure in procedures:
        version = procedure.current_version
        assert version is not None  # published() guarantees it
        definition = Definition(version.definition)
        pool, refused = answer_pool(definition, rng, today, ANSWERS_PER_PROCEDURE)
        if len(pool) < ANSWERS_PER_PROCEDURE:
            log(f"  {procedure.code}: only {len(pool)} generated answers passed the form ({refused} refused)")
        props = definition.schema.get("properties", {})
        name_key = next(
            (
                k
                for k, v in props.items()
                if {"family", "given"} <= resolve(definition.schema, v).get("properties", {}).keys()
            ),
            None,
        )
        workflow = str(version.definition.get("workflow", ""))
        department = procedure.department.code
        procs.append(
            Proc(
                code=procedure.code,
                version_id=version.pk,
                department_id=procedure.department_id,
                department_code=department,
                days=int(version.definition["processing"]["days"]),
                day_kind=str(version.definition["processing"]["day_kind"]),
                is_notification=version.kind == version.Kind.NOTIFICATION,
                allows_guest=version.allows_guest,
                workflow=escape(workflow),
                open_steps=open_steps(workflow) if workflow else ["review"],
                name_key=name_key,
                name_slot=escape(json.dumps(NAME_SLOT)),
                pool_json=[
                    escape(json.dumps({**a, name_key: NAME_SLOT} if name_key else a, ensure_ascii=False)) for a in pool
                ],
                first_fields_json=escape(json.dumps(definition.steps[0].fields[:2] if definition.steps else [])),
                event_data={
                    outcome: escape(
                        json.dumps(
                            {
                                "department": department,
                                "procedure": procedure.code,
                                **({"outcome": outcome} if outcome else {}),
                            }
                        )
                    )
                    for outcome in ("", "approved", "rejected", "withdrawn")
                },
            )
        )
    return procs


def ensure_staff(procs: list[Proc], total_cases: int) -> dict[int, dict[str, list[int]]]:
    """Create the generated staff that are missing; return who may be assigned, per department and tier.

    Each department gets a 課長 (TOP SECRET clearance), two 係長 (SECRET) and clerks in proportion
    to its volume, a third of them cleared for SECRET. A case goes only to someone cleared for it.
    """
    volume: dict[int, float] = {}
    codes: dict[int, str] = {}
    for proc in procs:
        volume[proc.department_id] = volume.get(proc.department_id, 0) + VOLUME.get(proc.code, 1.0)
        codes[proc.department_id] = proc.department_code
    total = sum(volume.values())
    eligible: dict[int, dict[str, list[int]]] = {}
    for department_id, share in volume.items():
        clerks = max(4, min(60, round(3 + 400 * share / total * min(1.0, total_cases / 200_000))))
        cast = [(Position.KACHO, Classification.TOP_SECRET)] + [(Position.KAKARICHO, Classification.SECRET)] * 2
        cast += [
            (Position.CLERK, Classification.SECRET if i % 3 == 0 else Classification.OFFICIAL) for i in range(clerks)
        ]
        members = [
            staff_member(codes[department_id], department_id, number, position, clearance)
            for number, (position, clearance) in enumerate(cast, start=1)
        ]
        eligible[department_id] = {
            tier.value: [u.pk for u in members if TIERS.index(Classification(u.clearance)) >= TIERS.index(tier)]
            for tier in TIERS
        }
    return eligible


def staff_member(code: str, department_id: int, number: int, position: str, clearance: str) -> User:
    person = Person.draw(random.Random(f"{code}-{number}"))
    user, created = User.objects.get_or_create(
        username=f"gen-staff-{code}-{number:02d}",
        defaults={
            "kind": User.Kind.STAFF,
            "full_name": f"{person.family} {person.given}",
            "full_name_kana": f"{person.family_kana} {person.given_kana}",
            "email": f"{code}-{number:02d}@city.example.jp",
            "position": position,
            "clearance": clearance,
            "password": make_password(None),
        },
    )
    if created:
        user.departments.add(department_id)
    return user
