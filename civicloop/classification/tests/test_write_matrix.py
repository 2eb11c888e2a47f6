# SPDX-License-Identifier: MPL-2.0
"""The generated write matrix: roles × clearances × tiers × device postures × write paths.

Visibility is not authority. Each write path (writepaths.py) is tried by every subject on every
device against an object of every tier, inside a savepoint that is rolled back, and compared with
the oracle's WORK rule (oracle.py) plus the one rule beyond the policy a path has (the rank a
決裁 step needs). A write that went through where the oracle forbids it is a leak; one refused
where the oracle allows it is a broken step. Both fail. Two more tests loosen the policy on
purpose and check that the matrix notices, so a matrix that can no longer fail is caught too.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from civicloop.accounts.models import Department, Position, Role, User
from civicloop.cases.actions import _shared
from civicloop.classification import policy
from civicloop.classification.family import content_type_of
from civicloop.classification.models import NeedToKnowGrant
from civicloop.classification.policy import TIERS, Context, DeviceTrust
from civicloop.classification.tests.oracle import Subject, expected
from civicloop.classification.tests.writepaths import WRITE_PATHS, Cast, Files, WritePath, attempt, build_files
from civicloop.classification.tests.writepaths import protected_objects as granted_objects
from civicloop.documents import issue

pytestmark = pytest.mark.django_db

DEVICES = list(DeviceTrust)


def _no_document(case: object, **details: object) -> None:
    """The matrix is about who may act; the signed PDF is tested in civicloop.documents."""


@pytest.fixture(autouse=True)
def _results_not_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issue, "issue_document", _no_document)


@dataclass(frozen=True)
class Persona:
    name: str
    departments: tuple[str, ...]
    position: str = Position.CLERK
    roles: tuple[str, ...] = ()
    granted: bool = False


PERSONAS = [
    Persona("clerk in the owning department", ("seiso",)),
    Persona("係長 of the owning department", ("seiso",), position=Position.KAKARICHO),
    Persona("課長 of the owning department", ("seiso",), position=Position.KACHO),
    Persona("clerk in the owning department with need-to-know", ("seiso",), granted=True),
    Persona("clerk of the consulted department", ("kosodate_kyufu",)),
    Persona("clerk of the consulted department with need-to-know", ("kosodate_kyufu",), granted=True),
    Persona("clerk of another department with need-to-know", ("dx",), granted=True),
    Persona("auditor", ("somu",), roles=(Role.AUDITOR,)),
    Persona("auditor who is a member of the owning department", ("seiso",), roles=(Role.AUDITOR,)),
    Persona("information-security officer", ("somu",), roles=(Role.SECURITY_OFFICER,)),
    Persona("system administrator", ("dx",), roles=(Role.ADMINISTRATOR,)),
]


@dataclass
class Result:
    checked: int = 0
    leaks: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _staff(username: str, departments: tuple[str, ...], **fields: object) -> User:
    user = User.objects.create(username=username, kind=User.Kind.STAFF, full_name=username, **fields)
    user.departments.set(Department.objects.filter(code__in=departments))
    return user


def _grant(user: User, objects: list[object], by: User) -> None:
    NeedToKnowGrant.objects.bulk_create(
        NeedToKnowGrant(
            content_type=content_type_of(obj),
            object_public_id=obj.public_id,  # type: ignore[attr-defined]
            user=user,
            granted_by=by,
            reason="matrix: named on every object",
            expires_at=timezone.now() + timedelta(days=30),
        )
        for obj in objects
    )


@pytest.fixture
def world(catalog: None, make_resident: Callable[..., User]) -> dict[str, Files]:
    # given the setup staff (who drive each object to its step, cleared and named on everything)
    officer = _staff("matrix-officer", ("somu",), roles=[Role.SECURITY_OFFICER], clearance="TOP_SECRET")
    top = {"clearance": "TOP_SECRET"}
    cast = Cast(
        resident=make_resident(),
        drafter=_staff("matrix-drafter", ("seiso",), **top),
        kakari=(
            _staff("matrix-kakari-1", ("seiso",), position=Position.KAKARICHO, **top),
            _staff("matrix-kakari-2", ("seiso",), position=Position.KAKARICHO, **top),
        ),
        kacho=_staff("matrix-kacho", ("seiso",), position=Position.KACHO, **top),
    )
    files = {str(tier): build_files(cast, tier) for tier in TIERS}
    for member in (cast.drafter, *cast.kakari, cast.kacho):
        _grant(member, [obj for f in files.values() for obj in granted_objects(f)], officer)
    return files


def _subjects(files: dict[str, Files], make_resident: Callable[..., User]) -> Iterator[tuple[Persona | None, User]]:
    owner = files["OFFICIAL"].intake.application.applicant
    assert owner is not None
    yield None, owner
    yield None, make_resident()
    officer = User.objects.get(username="matrix-officer")
    everything = [obj for f in files.values() for obj in granted_objects(f)]
    for persona in PERSONAS:
        for clearance in TIERS:
            user = _staff(
                f"{persona.name} ({clearance})",
                persona.departments,
                clearance=clearance,
                position=persona.position,
                roles=list(persona.roles),
            )
            if persona.granted:
                _grant(user, everything, officer)
            yield persona, user


def _expected(path: WritePath, persona: Persona | None, user: User, owner: User, tier: str, device: str) -> bool:
    if persona is None:  # a resident: only the applicant's own writes, on their own application
        return path.audience == "resident" and user.pk == owner.pk
    if path.audience == "resident":
        return False
    subject = Subject(
        "staff",
        persona.name,
        clearance=str(user.clearance),
        in_department=path.department in persona.departments,
        granted=persona.granted,
        oversight=bool(set(persona.roles) & {Role.AUDITOR, Role.SECURITY_OFFICER}),
    )
    if path.officer_may and Role.SECURITY_OFFICER in persona.roles:
        return expected(subject, tier, device, "view")
    return expected(subject, tier, device, "work") and path.rank_allows(persona.position)


def run_matrix(
    files: dict[str, Files], make_resident: Callable[..., User], *, tiers: list[str], devices: list[DeviceTrust]
) -> Result:
    result = Result()
    owner = files["OFFICIAL"].intake.application.applicant
    assert owner is not None
    for persona, user in _subjects(files, make_resident):
        for device in devices:
            context = Context(device_trust=device)
            for tier in tiers:
                for path in WRITE_PATHS:
                    want = _expected(path, persona, user, owner, tier, str(device))
                    got = attempt(partial(path.run, user, files[tier], context))
                    result.checked += 1
                    line = f"{path.name} | {user.username} | {tier} | {device}: got {got}, expected {want}"
                    if isinstance(got, str):
                        result.errors.append(line)
                    elif got and not want:
                        result.leaks.append(line)
                    elif want and not got:
                        result.hidden.append(line)
    return result


def test_every_write_path_lets_exactly_the_people_with_authority_act(
    world: dict[str, Files], make_resident: Callable[..., User], capsys: pytest.CaptureFixture[str]
) -> None:
    # when every subject tries every write path on every tier from every device
    result = run_matrix(world, make_resident, tiers=list(TIERS), devices=DEVICES)
    with capsys.disabled():
        print(
            f"\nwrite matrix: {result.checked} combinations checked over {len(WRITE_PATHS)} write paths, "
            f"{len(result.leaks)} leaks"
        )
    # then no write goes through without authority, and none with it is refused
    assert not result.errors, "BROKEN PATHS:\n" + "\n".join(result.errors[:40])
    assert not result.leaks, "LEAKS:\n" + "\n".join(result.leaks[:40])
    assert not result.hidden, "wrongly refused:\n" + "\n".join(result.hidden[:40])
    assert result.checked == (2 + len(PERSONAS) * len(TIERS)) * len(DEVICES) * len(TIERS) * len(WRITE_PATHS)


def test_the_matrix_catches_a_policy_that_lets_oversight_roles_act(
    world: dict[str, Files], make_resident: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a policy loosened the way the probe found the old code: sight is enough to act
    loose = policy._staff_decision

    def sight_is_enough(user, action, obj, context, facts):  # type: ignore[no-untyped-def]
        return loose(user, policy.Action.VIEW if action is policy.Action.WORK else action, obj, context, facts)

    monkeypatch.setattr(policy, "_staff_decision", sight_is_enough)
    # when the matrix runs over one tier and one device
    result = run_matrix(world, make_resident, tiers=["OFFICIAL"], devices=[DeviceTrust.MANAGED])
    # then it reports the auditor's and the grantee's writes as leaks
    assert any("auditor" in line for line in result.leaks)
    assert any("another department with need-to-know" in line for line in result.leaks)


def test_the_matrix_catches_an_action_that_skips_the_policy(
    world: dict[str, Files], make_resident: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the case actions' own WORK check removed (a view would then be the only guard): every
    # step action checks through _shared.authorise_work, which asks the policy's authorise
    monkeypatch.setattr(_shared, "authorise", lambda actor, action, obj, context: None)
    # when the matrix runs over one tier and one device
    result = run_matrix(world, make_resident, tiers=["SECRET"], devices=[DeviceTrust.BYOD])
    # then writes by people outside the department go through and are reported
    assert any(line.startswith("claim") and "auditor" in line for line in result.leaks)
    assert any(line.startswith("comment") for line in result.leaks)
