# SPDX-License-Identifier: MPL-2.0
"""The generated access matrix: roles × clearances × tiers × device postures × actions × read paths.

Every combination is compared with the oracle (oracle.py, written independently of the policy).
A path that reveals what the oracle forbids is a leak; one that hides what the oracle allows is a
broken page. Both fail the test. The number of combinations checked is printed.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Position, Role, User
from civicloop.classification.family import content_type_of
from civicloop.classification.models import NeedToKnowGrant
from civicloop.classification.policy import TIERS, DeviceTrust
from civicloop.classification.tests.conftest import World, staff_client
from civicloop.classification.tests.oracle import Subject, expected
from civicloop.classification.tests.procurement_file import procurement_of
from civicloop.classification.tests.readpaths import READ_PATHS, Probe, ReadPath, case_and_resident_data

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
        procurement = procurement_of(file).granted_objects
        for obj in (
            file.application,
            file.case,
            file.attachment,
            file.inquiry,
            file.notice,
            file.email_notice,
            *procurement,
        ):
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
    if path.audience == "public":
        return tier == "OFFICIAL"  # published for anyone, signed in or not; nothing above OFFICIAL
    return expected(subject, tier, device if path.device_from_request else "unknown", path.action)


# One test per device posture: the same world and subjects, a quarter of the probes each, so the
# suite's workers share the matrix instead of one of them running all of it (~3.5 minutes).
@pytest.mark.parametrize("device", DEVICES)
def test_every_read_path_reveals_exactly_what_the_rules_allow(
    world: World, make_staff: Callable[..., User], device_header: str, device: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given every subject and case file of the world, on this device posture (named by device_header)
    checked = 0
    leaks: list[str] = []
    hidden: list[str] = []
    cache: dict[tuple[str, str, str], str] = {}
    # when every read path is asked for each combination
    for subject, user, client in _subjects(world, make_staff):
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
        print(
            f"\naccess matrix ({device} device): {checked} combinations checked over {len(READ_PATHS)} read paths, "
            f"{len(leaks)} leaks"
        )
    # then nothing leaks and nothing allowed is hidden
    assert not leaks, "LEAKS:\n" + "\n".join(leaks[:40])
    assert not hidden, "wrongly refused:\n" + "\n".join(hidden[:40])
    assert checked == (3 + 3 * len(PERSONAS)) * len(TIERS) * len(READ_PATHS)


# --- The operations endpoints: who reaches each ----------------------------------------------------
#
# /healthz and /readyz answer anyone (a load balancer has no session, civicloop/ops/views.py);
# /metrics answers the networks in METRICS_ALLOWED_NETWORKS (by default loopback only) or the
# bearer token METRICS_TOKEN, judged by the connecting address, never X-Forwarded-For. A session
# grants nothing there. The matrix above checks that none of them shows a case or a resident from
# 127.0.0.1; these rows check who gets an answer at all, and that an answer never names one either.

OUTSIDE = "203.0.113.7"  # TEST-NET-3: the internet
OFFICE = "10.20.30.40"  # in the allowed network of the rows that configure one
TOKEN = "t" * 40

# (endpoint, connecting address, extra headers, configuration, expected status)
OPS_ROWS: list[tuple[str, str, dict[str, str], str, int]] = [
    ("/healthz", OUTSIDE, {}, "default", 200),
    ("/healthz", "127.0.0.1", {}, "default", 200),
    ("/readyz", OUTSIDE, {}, "default", 200),
    ("/readyz", "127.0.0.1", {}, "default", 200),
    ("/metrics", "127.0.0.1", {}, "default", 200),
    ("/metrics", "::1", {}, "default", 200),
    ("/metrics", OUTSIDE, {}, "default", 403),
    ("/metrics", OUTSIDE, {"X-Forwarded-For": "127.0.0.1"}, "default", 403),
    ("/metrics", OFFICE, {}, "default", 403),
    ("/metrics", OUTSIDE, {"Authorization": f"Bearer {TOKEN}"}, "default", 403),  # no token configured
    ("/metrics", OUTSIDE, {"Authorization": f"Bearer {TOKEN}"}, "token", 200),
    ("/metrics", OUTSIDE, {"Authorization": f"Bearer {TOKEN[:-1]}x"}, "token", 403),
    ("/metrics", OUTSIDE, {"Authorization": TOKEN}, "token", 403),  # not a bearer credential
    ("/metrics", "127.0.0.1", {}, "token", 403),  # with a token and no network listed, loopback needs the token too
    ("/metrics", OFFICE, {}, "token and office network", 200),
    ("/metrics", OUTSIDE, {}, "token and office network", 403),
]

CONFIGURATIONS: dict[str, dict[str, object]] = {
    "default": {"METRICS_TOKEN": "", "METRICS_ALLOWED_NETWORKS": ["127.0.0.0/8", "::1/128"]},
    "token": {"METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_NETWORKS": []},
    "token and office network": {"METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_NETWORKS": ["10.20.0.0/16"]},
}


def test_ops_endpoints_answer_by_network_and_token_never_by_session(
    world: World, make_staff: Callable[..., User], settings: Any
) -> None:
    # given an anonymous visitor, the resident who owns the world's files, and a 課長 cleared for TOP SECRET
    kacho = make_staff(departments=("seiso",), clearance="TOP_SECRET", position=Position.KACHO)
    subjects = {"anonymous": Client(), "owner": staff_client(world.owner), "課長": staff_client(kacho)}
    data = [text for file in world.files.values() for text in case_and_resident_data(file) if text]
    wrong: list[str] = []
    leaks: list[str] = []
    # when each of them asks each endpoint from each address, under each configuration
    for endpoint, address, headers, configuration, status in OPS_ROWS:
        for name, value in CONFIGURATIONS[configuration].items():
            setattr(settings, name, value)
        for who, client in subjects.items():
            response = client.get(endpoint, headers=headers, REMOTE_ADDR=address)
            row = f"{endpoint} from {address} {sorted(headers)} ({configuration}) as {who}"
            if response.status_code != status:
                wrong.append(f"{row}: {response.status_code}, expected {status}")
            body = response.content.decode(errors="replace")
            leaks += [f"{row}: names {text!r}" for text in data if text in body]
    # then the status depends on the endpoint, the address and the token only, and no answer names a case or a resident
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks[:20])
