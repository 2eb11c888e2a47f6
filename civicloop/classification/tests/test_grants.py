# SPDX-License-Identifier: MPL-2.0
"""Need-to-know grants: who names people, for how long, and what a grant covers."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts.models import Position, Role, User
from civicloop.classification import actions
from civicloop.classification.models import NeedToKnowGrant
from civicloop.classification.policy import Action, Context, DeviceTrust, decide
from civicloop.classification.tests.conftest import World, staff_client
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

MANAGED = Context(device_trust=DeviceTrust.MANAGED)
WHY = "児童相談所との連携担当"


def _soon(days: int = 30) -> object:
    return timezone.now() + timedelta(days=days)


def test_the_security_officer_names_a_person_for_the_whole_case_file(
    world: World, make_staff: Callable[..., User]
) -> None:
    officer = make_staff(departments=("somu",), roles=(Role.SECURITY_OFFICER,))
    welfare = make_staff(departments=("fukushi",), clearance="TOP_SECRET")
    file = world.files["TOP_SECRET"]
    assert not decide(welfare, Action.VIEW, file.case, MANAGED).allowed
    grants = actions.grant_need_to_know(obj=file.case, user=welfare, granted_by=officer, reason=WHY, expires_at=_soon())
    assert {g.object_public_id for g in grants} == {
        file.case.public_id,
        file.application.public_id,
        file.attachment.public_id,
    }
    for obj in (file.case, file.application, file.attachment):
        assert decide(welfare, Action.VIEW, obj, MANAGED).allowed
    assert not decide(welfare, Action.EXPORT, file.case, MANAGED).allowed  # still TOP SECRET's rules
    assert Event.objects.filter(type="jp.lg.civicloop.need_to_know.granted").count() == 1
    assert AuditEntry.objects.filter(action="need_to_know.grant", data__user=str(welfare.public_id)).exists()


def test_the_owner_may_grant_but_not_a_clerk_or_another_departments_kacho(
    world: World, make_staff: Callable[..., User]
) -> None:
    person = make_staff(clearance="TOP_SECRET")
    case = world.files["TOP_SECRET"].case
    for someone in (make_staff(clearance="TOP_SECRET"), make_staff(departments=("fukushi",), position=Position.KACHO)):
        with pytest.raises(actions.NotAllowed):
            actions.grant_need_to_know(obj=case, user=person, granted_by=someone, reason=WHY, expires_at=_soon())
    kacho = make_staff(position=Position.KACHO)
    assert actions.grant_need_to_know(obj=case, user=person, granted_by=kacho, reason=WHY, expires_at=_soon())


def test_a_grant_needs_clearance_a_reason_and_an_end_within_a_year(
    world: World, make_staff: Callable[..., User]
) -> None:
    officer = make_staff(roles=(Role.SECURITY_OFFICER,))
    case = world.files["TOP_SECRET"].case
    with pytest.raises(actions.GrantInvalid):
        actions.grant_need_to_know(
            obj=case, user=make_staff(clearance="SECRET"), granted_by=officer, reason=WHY, expires_at=_soon()
        )
    cleared = make_staff(clearance="TOP_SECRET")
    for when in (_soon(-1), _soon(400)):
        with pytest.raises(actions.GrantInvalid):
            actions.grant_need_to_know(obj=case, user=cleared, granted_by=officer, reason=WHY, expires_at=when)
    with pytest.raises(actions.JustificationRequired):
        actions.grant_need_to_know(obj=case, user=cleared, granted_by=officer, reason="", expires_at=_soon())
    with pytest.raises(actions.GrantInvalid):
        actions.grant_need_to_know(obj=case, user=world.owner, granted_by=officer, reason=WHY, expires_at=_soon())
    assert not NeedToKnowGrant.objects.exists()


def test_revoking_ends_access_at_once(world: World, make_staff: Callable[..., User]) -> None:
    officer = make_staff(roles=(Role.SECURITY_OFFICER,))
    person = make_staff(clearance="TOP_SECRET")
    case = world.files["TOP_SECRET"].case
    actions.grant_need_to_know(obj=case, user=person, granted_by=officer, reason=WHY, expires_at=_soon())
    assert actions.revoke_need_to_know(obj=case, user=person, revoked_by=officer) == 3
    assert not decide(person, Action.VIEW, case, MANAGED).allowed
    assert AuditEntry.objects.filter(action="need_to_know.revoke", data__grants=3).exists()


def test_grants_through_the_panel_forms(world: World, make_staff: Callable[..., User]) -> None:
    officer = staff_client(make_staff(roles=(Role.SECURITY_OFFICER,)))
    person = make_staff(clearance="TOP_SECRET", name="named-person")
    case = world.files["TOP_SECRET"].case
    url = reverse("classification:grant-create", args=["cases.case", case.public_id])
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    officer.post(url, {"username": "named-person", "reason": WHY, "expires_on": until})
    assert NeedToKnowGrant.objects.active().filter(user=person).count() == 3
    assert (
        staff_client(make_staff())
        .post(url, {"username": "named-person", "reason": WHY, "expires_on": until})
        .status_code
        == 404
    )
    officer.post(
        reverse("classification:grant-revoke", args=["cases.case", case.public_id]), {"username": "named-person"}
    )
    assert not NeedToKnowGrant.objects.active().exists()


def test_a_review_grant_is_made_by_the_owning_department_and_audited_with_its_basis(
    world: World, make_staff: Callable[..., User]
) -> None:
    # given a SECRET case of the owning department and a cleared reviewer in another one
    case = world.files["SECRET"].case
    clerk = make_staff(clearance="SECRET")
    reviewer = make_staff(departments=("fukushi",), clearance="SECRET")
    # when a clerk of the department (not the owner) asks them to review it
    actions.grant_need_to_know(
        obj=case, user=reviewer, granted_by=clerk, reason=WHY, expires_at=_soon(), basis=actions.GrantBasis.REVIEW
    )
    # then the reviewer may read it, never work it, and the grant is audited with its basis
    assert decide(reviewer, Action.VIEW, case, MANAGED).allowed
    assert not decide(reviewer, Action.WORK, case, MANAGED).allowed
    assert AuditEntry.objects.filter(action="need_to_know.grant", data__basis="review").exists()


def test_a_non_owner_outside_the_department_cannot_grant_through_the_review_path(
    world: World, make_staff: Callable[..., User]
) -> None:
    case = world.files["SECRET"].case
    reviewer = make_staff(departments=("fukushi",), clearance="SECRET")
    strangers = (
        make_staff(departments=("fukushi",), clearance="SECRET"),
        make_staff(departments=("fukushi",), clearance="SECRET", position=Position.KACHO),
        make_staff(roles=(Role.AUDITOR,), clearance="SECRET"),
    )
    for someone in strangers:
        with pytest.raises(actions.NotAllowed):
            actions.grant_need_to_know(
                obj=case,
                user=reviewer,
                granted_by=someone,
                reason=WHY,
                expires_at=_soon(),
                basis=actions.GrantBasis.REVIEW,
            )
    assert not NeedToKnowGrant.objects.exists()


def test_only_the_owner_or_the_officer_names_a_reviewer_for_top_secret(
    world: World, make_staff: Callable[..., User]
) -> None:
    case = world.files["TOP_SECRET"].case
    reviewer = make_staff(departments=("fukushi",), clearance="TOP_SECRET")
    with pytest.raises(actions.NotAllowed):
        actions.grant_need_to_know(
            obj=case,
            user=reviewer,
            granted_by=make_staff(clearance="TOP_SECRET"),
            reason=WHY,
            expires_at=_soon(),
            basis=actions.GrantBasis.REVIEW,
        )
    assert actions.grant_need_to_know(
        obj=case,
        user=reviewer,
        granted_by=make_staff(position=Position.KACHO),
        reason=WHY,
        expires_at=_soon(),
        basis=actions.GrantBasis.REVIEW,
    )


def test_need_to_know_is_never_granted_to_a_service_account_or_a_closed_account(
    world: World, make_staff: Callable[..., User]
) -> None:
    from civicloop.accounts.models import Department
    from civicloop.backoffice.actions import register_client

    officer = make_staff(roles=(Role.SECURITY_OFFICER,))
    case = world.files["SECRET"].case
    service = register_client(
        name="基幹系", departments=[Department.objects.get(code="seiso")], clearance="SECRET",
        scopes=[], rate_limit_per_minute=60, by=officer,
    ).client.service_user  # fmt: skip
    closed = make_staff(clearance="SECRET")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    for person in (service, closed):
        with pytest.raises(actions.GrantInvalid):
            actions.grant_need_to_know(obj=case, user=person, granted_by=officer, reason=WHY, expires_at=_soon())
    assert not NeedToKnowGrant.objects.exists()
