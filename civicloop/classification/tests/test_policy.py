# SPDX-License-Identifier: MPL-2.0
"""The policy's audit trail, its SQL scope and the branches the matrix does not name one by one."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.classification.family import content_type_of
from civicloop.classification.models import NeedToKnowGrant
from civicloop.classification.policy import (
    Action,
    Context,
    DeviceTrust,
    context_from_request,
    decide,
    evaluate,
    handling_summary,
)
from civicloop.classification.tests.conftest import World
from civicloop.core.audit import verify_chain
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

MANAGED = Context(device_trust=DeviceTrust.MANAGED)


def _entries(obj: object) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=str(obj.public_id), action__startswith="access."))  # type: ignore[attr-defined]


def test_an_allowed_official_read_writes_no_audit_entry(world: World, make_staff: Callable[..., User]) -> None:
    clerk = make_staff()
    official = world.files["OFFICIAL"].application
    assert decide(clerk, Action.VIEW, official).allowed
    assert _entries(official) == []


def test_every_decision_on_secret_is_audited_allowed_or_not(world: World, make_staff: Callable[..., User]) -> None:
    clerk = make_staff(clearance="SECRET")
    secret = world.files["SECRET"].application
    assert decide(clerk, Action.VIEW, secret, MANAGED).allowed
    assert not decide(clerk, Action.EMAIL, secret, MANAGED).allowed
    entries = _entries(secret)
    assert [(e.action, e.data["allowed"]) for e in entries] == [("access.view", True), ("access.email", False)]
    assert entries[0].actor == f"user/{clerk.public_id}" and entries[0].classification == "SECRET"
    assert entries[1].data["reason"] == "email is not allowed for SECRET"
    assert verify_chain() is None


def test_a_denial_on_official_is_audited_too(world: World) -> None:
    official = world.files["OFFICIAL"].application
    assert not decide(world.other, Action.VIEW, official).allowed
    assert not decide(AnonymousUser(), Action.VIEW, official).allowed
    assert [(e.actor, e.data["reason"]) for e in _entries(official)] == [
        (f"user/{world.other.public_id}", "not the owner"),
        ("anonymous", "not signed in"),
    ]


def test_evaluate_and_the_handling_summary_decide_the_same_without_an_audit_entry(
    world: World, make_staff: Callable[..., User]
) -> None:
    clerk = make_staff(clearance="TOP_SECRET")
    secret = world.files["SECRET"].case
    flags = handling_summary(clerk, secret, Context(device_trust=DeviceTrust.BYOD))
    assert flags[Action.VIEW] and flags[Action.EXPORT] and not flags[Action.EMAIL] and not flags[Action.EDIT]
    assert evaluate(clerk, Action.VIEW, secret, Context()).reason == "device posture unknown opens OFFICIAL at most"
    assert _entries(secret) == []


def test_an_expired_or_revoked_grant_no_longer_opens_top_secret(world: World, make_staff: Callable[..., User]) -> None:
    clerk = make_staff(clearance="TOP_SECRET")
    top = world.files["TOP_SECRET"].case
    grant = NeedToKnowGrant.objects.create(
        content_type=content_type_of(top),
        object_public_id=top.public_id,
        user=clerk,
        granted_by=clerk,
        reason="on the child-protection team",
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert decide(clerk, Action.VIEW, top, MANAGED).allowed
    assert Case.objects.visible_to(clerk, MANAGED).filter(pk=top.pk).exists()
    NeedToKnowGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not decide(clerk, Action.VIEW, top, MANAGED).allowed
    assert not Case.objects.visible_to(clerk, MANAGED).filter(pk=top.pk).exists()
    NeedToKnowGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert not decide(clerk, Action.VIEW, top, MANAGED).allowed


def test_the_scope_takes_two_queries_whatever_the_number_of_rows(
    world: World, make_staff: Callable[..., User], django_assert_num_queries: Callable[..., object]
) -> None:
    clerk = make_staff(clearance="TOP_SECRET")
    with django_assert_num_queries(2):  # departments and grants in one, then the list itself
        rows = list(Application.objects.visible_to(clerk, MANAGED))
    assert {a.classification for a in rows} == {"OFFICIAL", "SECRET"}


def test_known_grants_can_be_passed_to_spare_a_query(world: World, make_staff: Callable[..., User]) -> None:
    from civicloop.classification.policy import visible_q

    clerk = make_staff(clearance="TOP_SECRET")
    top = world.files["TOP_SECRET"].application
    q = visible_q(
        clerk,
        owner_field="applicant",
        department_field="procedure_version__procedure__department__code",
        guest_field="guest_key",
        context=MANAGED,
        grants=[top.public_id],
    )
    assert set(Application.objects.filter(q).values_list("classification", flat=True)) == {
        "OFFICIAL",
        "SECRET",
        "TOP_SECRET",
    }


def test_cases_are_scoped_by_department_id_without_a_join_and_keep_need_to_know(
    world: World, make_staff: Callable[..., User]
) -> None:
    # given a SECRET clerk of the owning department, and one of another department named on the SECRET case
    own = make_staff(clearance="SECRET")
    outsider = make_staff(departments=("kosodate_kyufu",), clearance="SECRET")
    secret = world.files["SECRET"].case
    NeedToKnowGrant.objects.create(
        content_type=content_type_of(secret),
        object_public_id=secret.public_id,
        user=outsider,
        granted_by=own,
        reason="asked to advise",
        expires_at=timezone.now() + timedelta(days=1),
    )
    # when each lists the cases
    own_cases = Case.objects.visible_to(own, MANAGED)
    # then the department is matched by its id on the case's own table
    assert "accounts_department" not in str(own_cases.query)
    assert set(own_cases.values_list("classification", flat=True)) == {"OFFICIAL", "SECRET"}
    assert list(Case.objects.visible_to(outsider, MANAGED)) == [secret]


def test_a_request_reads_a_persons_scope_once_and_the_next_request_reads_it_anew(
    rf: object, world: World, make_staff: Callable[..., User], django_assert_num_queries: Callable[..., object]
) -> None:
    # given a SECRET clerk of another department, on a managed device, in one request
    clerk = make_staff(departments=("kosodate_kyufu",), clearance="SECRET")
    secret = world.files["SECRET"].case
    request = rf.get("/")  # type: ignore[attr-defined]
    request.session, request.device_trust = {}, DeviceTrust.MANAGED
    context = context_from_request(request)
    # when the request lists cases twice and decides on one: departments and grants are read once
    with django_assert_num_queries(2):  # type: ignore[operator]
        assert list(Case.objects.visible_to(clerk, context)) == []
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert list(Case.objects.visible_to(clerk, context_from_request(request))) == []
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert not evaluate(clerk, Action.VIEW, secret, context).allowed
    # then a grant made afterwards is seen by the next request, not by this one
    NeedToKnowGrant.objects.create(
        content_type=content_type_of(secret),
        object_public_id=secret.public_id,
        user=clerk,
        granted_by=clerk,
        reason="asked to advise",
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert not evaluate(clerk, Action.VIEW, secret, context).allowed
    following = rf.get("/")  # type: ignore[attr-defined]
    following.session, following.device_trust = {}, DeviceTrust.MANAGED
    assert evaluate(clerk, Action.VIEW, secret, context_from_request(following)).allowed
    assert list(Case.objects.visible_to(clerk, context_from_request(following))) == [secret]


def test_a_scope_names_the_department_by_exactly_one_field(make_staff: Callable[..., User]) -> None:
    from civicloop.classification.policy import visible_q

    clerk = make_staff()
    with pytest.raises(ValueError, match="exactly one"):
        visible_q(clerk, owner_field="applicant", guest_field="guest_key")
    with pytest.raises(ValueError, match="exactly one"):
        visible_q(
            clerk,
            owner_field="applicant",
            guest_field="guest_key",
            department_field="department__code",
            department_id_field="department_id",
        )


def test_the_context_of_a_request_carries_its_device_and_guest_keys(rf: object) -> None:
    request = rf.get("/")  # type: ignore[attr-defined]
    request.session = {"guest_keys": ["k1"]}
    assert context_from_request(request) == Context(guest_keys=frozenset({"k1"}), device_trust=DeviceTrust.UNKNOWN)
    request.device_trust = DeviceTrust.BYOD
    assert context_from_request(request).device_trust is DeviceTrust.BYOD


def test_the_handling_summary_asks_the_database_at_most_twice(
    world: World, make_staff: Callable[..., User], django_assert_max_num_queries: Callable[..., object]
) -> None:
    clerk = make_staff(departments=("kosodate_kyufu",), clearance="SECRET")
    case = Case.objects.select_related("department").get(pk=world.files["SECRET"].case.pk)
    with django_assert_max_num_queries(2):  # department membership, then a grant
        flags = handling_summary(clerk, case, Context(device_trust=DeviceTrust.BYOD))
    assert not any(flags.values())
