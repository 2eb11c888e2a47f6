# SPDX-License-Identifier: MPL-2.0
"""The generated access matrix: roles × clearances × tiers × device postures × actions × read paths.

Every combination is compared with the oracle (oracle.py, written independently of the policy).
A path that reveals what the oracle forbids is a leak; one that hides what the oracle allows is a
broken page. Both fail the test. The number of combinations checked is printed.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from civicloop.accounts.models import Position, Role, User
from civicloop.classification.family import content_type_of
from civicloop.classification.models import NeedToKnowGrant
from civicloop.classification.policy import TIERS, DeviceTrust
from civicloop.classification.tests.conftest import World, staff_client
from civicloop.classification.tests.oracle import Subject, expected
from civicloop.classification.tests.readpaths import READ_PATHS, Probe, ReadPath

pytestmark = pytest.mark.django_db

DEVICES = [str(d) for d in DeviceTrust]


@dataclass(frozen=True)
class Persona:
    """A staff role in the matrix; each is made once per clearance."""

    name: str
    departments: tuple[str, ...]
    position: str = Position.CLERK
    roles: tuple[str, ...] = ()
    granted: bool = False


PERSONAS = [
    Persona("clerk in the owning department", ("seiso",)),
    Persona("clerk of another department", ("kosodate_kyufu",)),
    Persona("clerk of another department with need-to-know", ("kosodate_kyufu",), granted=True),
    Persona("clerk in the owning department with need-to-know", ("seiso",), granted=True),
    Persona("課長 of the owning department", ("seiso",), position=Position.KACHO),
    Persona("auditor", ("somu",), roles=(Role.AUDITOR,)),
    Persona("auditor who is also a member of the owning department", ("seiso",), roles=(Role.AUDITOR,)),
    Persona("information-security officer", ("somu",), roles=(Role.SECURITY_OFFICER,)),
    Persona("system administrator", ("dx",), roles=(Role.ADMINISTRATOR,)),
]


def _grant_everything(user: User, world: World, granted_by: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    for file in world.files.values():
        for obj in (file.application, file.case, file.attachment, file.inquiry, file.notice, file.email_notice):
            NeedToKnowGrant.objects.create(
                content_type=content_type_of(obj),
                object_public_id=obj.public_id,
                user=user,
                granted_by=granted_by,
                reason="matrix: named on every object",
                expires_at=timezone.now() + timedelta(days=30),
            )


def _subjects(world: World, make_staff: Callable[..., User]) -> Iterator[tuple[Subject, User | None, Client]]:
    yield Subject("resident", "the resident who owns the data", owns=True), world.owner, staff_client(world.owner)
    yield Subject("resident", "another resident"), world.other, staff_client(world.other)
    yield Subject("anonymous", "a visitor not signed in"), None, Client()
    officer = make_staff(roles=(Role.SECURITY_OFFICER,), name="granting-officer")
    for persona in PERSONAS:
        for clearance in TIERS:
            user = make_staff(
                departments=persona.departments, clearance=clearance, position=persona.position, roles=persona.roles
            )
            # Everyone may enter the Django admin, with every Django permission: what it shows them
            # must still be only what the policy allows (readpaths.py, "The Django admin").
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
            user.is_staff = user.is_superuser = True
            if persona.granted:
                _grant_everything(user, world, officer)
            subject = Subject(
                "staff",
                f"{persona.name} ({clearance} clearance)",
                clearance=str(clearance),
                in_department="seiso" in persona.departments,
                granted=persona.granted,
                oversight=bool(set(persona.roles) & {Role.AUDITOR, Role.SECURITY_OFFICER}),
            )
            yield subject, user, staff_client(user)


def _expected(path: ReadPath, subject: Subject, tier: str, device: str) -> bool:
    if path.audience == "nobody":
        return False
    if path.audience == "staff" and subject.kind != "staff":
        return False
    if path.audience == "recipient" and subject.kind != "resident":
        return False  # notices are read by the person they were sent to, never by colleagues
    return expected(subject, tier, device if path.device_from_request else "unknown", path.action)


def test_every_read_path_reveals_exactly_what_the_rules_allow(
    world: World, make_staff: Callable[..., User], device_header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given every subject, device posture and case file of the world
    checked = 0
    leaks: list[str] = []
    hidden: list[str] = []
    cache: dict[tuple[str, str, str], str] = {}
    # when every read path is asked for each combination
    for subject, user, client in _subjects(world, make_staff):
        for device in DEVICES:
            for tier, file in world.files.items():
                probe = Probe(subject, user, device, file, client, cache)
                for path in READ_PATHS:
                    want = _expected(path, subject, tier, device)
                    got = path.reveals(probe)
                    checked += 1
                    if got != want:
                        line = f"{path.name} | {subject.name} | {tier} | {device}: got {got}, expected {want}"
                        (leaks if got else hidden).append(line)
    with capsys.disabled():
        print(f"\naccess matrix: {checked} combinations checked over {len(READ_PATHS)} read paths, {len(leaks)} leaks")
    # then nothing leaks and nothing allowed is hidden
    assert not leaks, "LEAKS:\n" + "\n".join(leaks[:40])
    assert not hidden, "wrongly refused:\n" + "\n".join(hidden[:40])
    assert checked == (3 + 3 * len(PERSONAS)) * len(DEVICES) * len(TIERS) * len(READ_PATHS)
