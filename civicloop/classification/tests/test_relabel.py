# SPDX-License-Identifier: MPL-2.0
"""Who may change a label, how, and what a change carries along (actions)."""

from collections.abc import Callable

import pytest
from django.db import transaction

from civicloop.accounts.models import Position, Role, User
from civicloop.applications.models import Application, Attachment
from civicloop.cases.models import Case
from civicloop.classification import actions, family
from civicloop.classification.models import ClassificationRequest
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.classification.tests.conftest import CaseFile, World
from civicloop.core.audit import verify_chain
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

# Label requests are writes: they come from a device that may show the file (the policy's WORK).
MANAGED = Context(device_trust=DeviceTrust.MANAGED)

Status = ClassificationRequest.Status
WHY = "DV支援措置の対象者の住所を含むため"


def _tiers(file: CaseFile) -> tuple[str, str, str]:
    return (
        Case.objects.get(pk=file.case.pk).classification,
        Application.objects.get(pk=file.application.pk).classification,
        Attachment.objects.get(pk=file.attachment.pk).classification,
    )


def _event_types() -> list[str]:
    return [
        t.removeprefix("jp.lg.civicloop.")
        for t in Event.objects.filter(type__contains="classification").values_list("type", flat=True)
    ]


@pytest.fixture
def officer(make_staff: Callable[..., User]) -> User:
    return make_staff(departments=("somu",), roles=(Role.SECURITY_OFFICER,), clearance="TOP_SECRET")


@pytest.fixture
def kacho(make_staff: Callable[..., User]) -> User:
    return make_staff(position=Position.KACHO, clearance="TOP_SECRET")


def test_a_clerks_raise_waits_for_the_security_officer_and_then_applies_to_the_whole_file(
    world: World, make_staff: Callable[..., User], officer: User
) -> None:
    # given a clerk asks to raise an OFFICIAL case to TOP SECRET
    file = world.files["OFFICIAL"]
    request = actions.request_classification_change(
        context=MANAGED, obj=file.case, requested_by=make_staff(), to_tier="TOP_SECRET", justification=WHY
    )
    assert request.status == Status.REQUESTED and _tiers(file) == ("OFFICIAL",) * 3
    # when the information-security officer approves
    actions.approve_classification_request(request=request, decided_by=officer, note="妥当")
    # then the case, its application and its attachment are TOP SECRET, with a history and audit trail
    request.refresh_from_db()
    assert request.status == Status.APPROVED and request.decided_by == officer
    assert _tiers(file) == ("TOP_SECRET",) * 3
    assert [h.status for h in request.history.all()] == [Status.REQUESTED, Status.APPROVED]
    assert _event_types() == [
        "classification.change_requested",
        "classification.changed",
        "classification.request_approved",
    ]
    assert {"classification.request", "classification.change", "classification.approve"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    assert verify_chain() is None


def test_only_the_security_officer_approves_a_raise(world: World, make_staff: Callable[..., User], kacho: User) -> None:
    request = actions.request_classification_change(
        context=MANAGED,
        obj=world.files["OFFICIAL"].case,
        requested_by=make_staff(),
        to_tier="SECRET",
        justification=WHY,
    )
    for someone in (kacho, make_staff(roles=(Role.AUDITOR,)), make_staff(roles=(Role.ADMINISTRATOR,))):
        with pytest.raises(actions.NotAllowed):
            actions.approve_classification_request(request=request, decided_by=someone)
    assert _tiers(world.files["OFFICIAL"]) == ("OFFICIAL",) * 3


def test_a_provisional_raise_applies_at_once_tells_the_owner_and_a_rejection_restores_it(
    world: World, make_staff: Callable[..., User], officer: User
) -> None:
    file = world.files["OFFICIAL"]
    request = actions.request_classification_change(
        context=MANAGED, obj=file.case, requested_by=make_staff(), to_tier="SECRET", justification=WHY, provisional=True
    )
    assert request.status == Status.PROVISIONAL and _tiers(file) == ("SECRET",) * 3
    notice = Event.objects.get(type="jp.lg.civicloop.classification.provisionally_raised")
    assert notice.data["department"] == "seiso" and notice.data["to"] == "SECRET"
    with pytest.raises(actions.JustificationRequired):
        actions.reject_classification_request(request=request, decided_by=officer, note=" ")
    actions.reject_classification_request(request=request, decided_by=officer, note="根拠が不十分")
    assert _tiers(file) == ("OFFICIAL",) * 3
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert Event.objects.filter(type="jp.lg.civicloop.classification.changed", data__reverted=True).exists()


def test_an_approved_provisional_raise_stays(world: World, make_staff: Callable[..., User], officer: User) -> None:
    file = world.files["OFFICIAL"]
    request = actions.request_classification_change(
        context=MANAGED, obj=file.case, requested_by=make_staff(), to_tier="SECRET", justification=WHY, provisional=True
    )
    actions.approve_classification_request(request=request, decided_by=officer)
    assert _tiers(file) == ("SECRET",) * 3
    with pytest.raises(actions.RequestClosed):
        actions.reject_classification_request(request=request, decided_by=officer, note="too late")


def test_the_security_officers_own_raise_applies_at_once(world: World, officer: User) -> None:
    request = actions.request_classification_change(
        context=MANAGED, obj=world.files["SECRET"].case, requested_by=officer, to_tier="TOP_SECRET", justification=WHY
    )
    assert request.status == Status.APPROVED and _tiers(world.files["SECRET"]) == ("TOP_SECRET",) * 3


def test_lowering_needs_the_owner_the_departments_kacho(
    world: World, make_staff: Callable[..., User], officer: User, kacho: User
) -> None:
    file = world.files["SECRET"]
    request = actions.request_classification_change(
        context=MANAGED,
        obj=file.case,
        requested_by=make_staff(clearance="SECRET"),
        to_tier="OFFICIAL",
        justification="個人情報を含まない",
    )
    other_kacho = make_staff(departments=("kosodate_kyufu",), position=Position.KACHO)
    for someone in (officer, other_kacho):
        with pytest.raises(actions.NotAllowed):
            actions.approve_classification_request(request=request, decided_by=someone)
    actions.approve_classification_request(request=request, decided_by=kacho)
    assert _tiers(file) == ("OFFICIAL",) * 3


def test_the_owners_own_lowering_applies_at_once_and_a_provisional_lowering_is_refused(
    world: World, kacho: User
) -> None:
    file = world.files["SECRET"]
    with pytest.raises(actions.NotAllowed):
        actions.request_classification_change(
            context=MANAGED,
            obj=file.case,
            requested_by=kacho,
            to_tier="OFFICIAL",
            justification="個人情報を含まない",
            provisional=True,
        )
    request = actions.request_classification_change(
        context=MANAGED, obj=file.case, requested_by=kacho, to_tier="OFFICIAL", justification="個人情報を含まない"
    )
    assert request.status == Status.APPROVED and _tiers(file) == ("OFFICIAL",) * 3


@pytest.mark.parametrize("text", ["", "   ", "short"])
def test_a_change_needs_a_written_justification(world: World, make_staff: Callable[..., User], text: str) -> None:
    with pytest.raises(actions.JustificationRequired):
        actions.request_classification_change(
            context=MANAGED,
            obj=world.files["OFFICIAL"].case,
            requested_by=make_staff(),
            to_tier="SECRET",
            justification=text,
        )
    assert not ClassificationRequest.objects.exists()


def test_bad_requests_change_nothing(world: World, make_staff: Callable[..., User]) -> None:
    case = world.files["OFFICIAL"].case
    with pytest.raises(actions.NoChange):
        actions.request_classification_change(
            context=MANAGED, obj=case, requested_by=make_staff(), to_tier="OFFICIAL", justification=WHY
        )
    with pytest.raises(actions.InvalidTier):
        actions.request_classification_change(
            context=MANAGED, obj=case, requested_by=make_staff(), to_tier="COSMIC", justification=WHY
        )
    with pytest.raises(actions.NotAllowed):
        actions.request_classification_change(
            context=MANAGED, obj=case, requested_by=world.owner, to_tier="SECRET", justification=WHY
        )
    assert not ClassificationRequest.objects.exists()


def test_a_request_overtaken_by_another_change_is_stale(
    world: World, make_staff: Callable[..., User], officer: User
) -> None:
    case = world.files["OFFICIAL"].case
    first = actions.request_classification_change(
        context=MANAGED, obj=case, requested_by=make_staff(), to_tier="SECRET", justification=WHY
    )
    actions.request_classification_change(
        context=MANAGED, obj=case, requested_by=officer, to_tier="TOP_SECRET", justification=WHY
    )
    with pytest.raises(actions.StaleRequest):
        actions.approve_classification_request(request=first, decided_by=officer)
    assert _tiers(world.files["OFFICIAL"]) == ("TOP_SECRET",) * 3


def test_raising_an_attachment_alone_does_not_raise_its_application(world: World, officer: User) -> None:
    file = world.files["OFFICIAL"]
    actions.request_classification_change(
        context=MANAGED, obj=file.attachment, requested_by=officer, to_tier="SECRET", justification=WHY
    )
    assert _tiers(file) == ("OFFICIAL", "OFFICIAL", "SECRET")


def test_lowering_a_file_keeps_a_member_labelled_higher_on_its_own(world: World, kacho: User, officer: User) -> None:
    file = world.files["SECRET"]
    actions.request_classification_change(
        context=MANAGED, obj=file.attachment, requested_by=officer, to_tier="TOP_SECRET", justification=WHY
    )
    actions.request_classification_change(
        context=MANAGED, obj=file.case, requested_by=kacho, to_tier="OFFICIAL", justification=WHY
    )
    assert _tiers(file) == ("OFFICIAL", "OFFICIAL", "TOP_SECRET")


def test_the_family_rule_for_one_member() -> None:
    assert family.new_member_tier("OFFICIAL", old="OFFICIAL", new="SECRET") == "SECRET"
    assert family.new_member_tier("TOP_SECRET", old="OFFICIAL", new="SECRET") == "TOP_SECRET"
    assert family.new_member_tier("SECRET", old="SECRET", new="OFFICIAL") == "OFFICIAL"
    assert family.new_member_tier("TOP_SECRET", old="SECRET", new="OFFICIAL") == "TOP_SECRET"


def test_addressable_models_are_found_without_registration() -> None:
    labels = set(family.addressable_models())
    assert {"applications.application", "applications.attachment", "cases.case"} <= labels
    assert "catalog.procedureversion" not in labels  # classified, but nobody points at a version


def test_a_relabel_inside_a_failing_transaction_leaves_nothing(world: World, officer: User) -> None:
    file = world.files["OFFICIAL"]
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.request_classification_change(
            context=MANAGED, obj=file.case, requested_by=officer, to_tier="SECRET", justification=WHY
        )
        raise RuntimeError("the caller's transaction fails")
    assert _tiers(file) == ("OFFICIAL",) * 3 and not ClassificationRequest.objects.exists()
