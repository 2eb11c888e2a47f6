# SPDX-License-Identifier: MPL-2.0
"""Registration, verification and its history, and the catalogue search."""

from datetime import date, timedelta

import pytest

from civicloop.classification.policy import NotPermitted
from civicloop.core.models import AuditEntry
from civicloop.procurement import actions, search
from civicloop.procurement.models import Decision, Service, VerificationStatus
from civicloop.procurement.tests.conftest import Cast, security


def test_a_declared_service_waits_for_verification_and_the_history_keeps_who_decided(cast: Cast) -> None:
    # given
    service = actions.declare_service(
        actor=cast.alpha_user,
        supplier=cast.alpha,
        service={"lot": "hosting", "name": "区民向けホスティング", "summary": "国内DC", "features": ["24時間監視"]},
        security=security(),
    )
    assert service.status == VerificationStatus.PENDING
    # when
    actions.verify(actor=cast.officer, subject=service, decision=Decision.REJECTED, note="ISMAP番号の確認")
    actions.verify(actor=cast.officer, subject=service, decision=Decision.APPROVED)
    # then
    history = list(cast.alpha.verifications.filter(service=service).order_by("decided_at"))
    assert [(v.decision, v.decided_by) for v in history] == [
        (Decision.REJECTED, cast.officer),
        (Decision.APPROVED, cast.officer),
    ]
    assert Service.objects.get(pk=service.pk).status == VerificationStatus.APPROVED
    assert AuditEntry.objects.filter(action="procurement.service_approved").exists()


def test_only_the_contracts_division_verifies(cast: Cast) -> None:
    with pytest.raises(NotPermitted):
        actions.verify(actor=cast.buyer, subject=cast.alpha, decision=Decision.SUSPENDED)


def test_a_supplier_cannot_declare_for_another_company(cast: Cast) -> None:
    with pytest.raises(NotPermitted):
        actions.declare_service(
            actor=cast.alpha_user,
            supplier=cast.beta,
            service={"lot": "hosting", "name": "x", "summary": "x"},
            security=security(),
        )


def test_renewing_a_declaration_sends_the_service_back_to_verification(cast: Cast) -> None:
    service = cast.alpha.services.get()
    actions.update_security_declaration(
        actor=cast.alpha_user, service=service, security={"expires_on": date.today() + timedelta(days=400)}
    )
    assert Service.objects.get(pk=service.pk).status == VerificationStatus.PENDING


def test_the_catalogue_search_filters_by_words_and_facets_and_freezes(cast: Cast) -> None:
    assert {s.supplier_id for s in search.search_services("電子申請", {}, user=cast.buyer)} == {
        cast.alpha.pk,
        cast.beta.pk,
        cast.gamma.pk,
    }
    assert {s.supplier_id for s in search.search_services("alpha", {}, user=cast.buyer)} == {cast.alpha.pk}
    assert {s.supplier_id for s in search.search_services("", {"sme": "1"}, user=cast.buyer)} == {
        cast.alpha.pk,
        cast.gamma.pk,
    }
    assert not search.search_services("", {"lot": "hosting"}, user=cast.buyer).exists()
    frozen = search.freeze_search("alpha", {"lot": "software", "bogus": "x"}, user=cast.buyer)
    assert frozen["facets"] == {"lot": "software"} and len(frozen["results"]) == 1


def test_a_direct_award_keeps_the_search_and_follows_the_route_above_the_threshold(cast: Cast) -> None:
    from civicloop.accounts.models import Department
    from civicloop.procurement.models import ApprovalStatus

    service = cast.alpha.services.get()
    small = actions.award_directly(
        actor=cast.buyer,
        department=Department.objects.get(code="dx"),
        service=service,
        title="少額",
        value=500_000,
        reason="最安",
        query="電子申請",
        facets={"lot": "software"},
    )
    large = actions.award_directly(
        actor=cast.buyer,
        department=Department.objects.get(code="dx"),
        service=service,
        title="高額",
        value=12_000_000,
        reason="唯一の対応",
        query="alpha",
        facets={},
    )
    assert small.approval_status == ApprovalStatus.NOT_REQUIRED and len(small.search["results"]) == 3
    assert large.approval_status == ApprovalStatus.PENDING
    assert [s.position for s in large.approvals.all()] == ["kakaricho", "kacho", "bucho", "fuku_kucho"]


def test_the_catalogue_shows_a_secret_service_only_to_whom_the_policy_lets_read_it(cast: Cast) -> None:
    from civicloop.classification.policy import Context, DeviceTrust
    from civicloop.core.models import Classification
    from civicloop.testing.factories import StaffFactory

    # given one of alpha's approved services marked SECRET
    hidden = cast.alpha.services.get()
    Service.objects.filter(pk=hidden.pk).update(classification=Classification.SECRET)
    cleared = StaffFactory.create(username="cleared-officer", department="keiyaku", clearance="SECRET")
    office = Context(device_trust=DeviceTrust.MANAGED)

    def found(user: object, context: Context) -> set[int]:
        return {s.pk for s in search.search_services("", {}, user=user, context=context)}

    # then another department's buyer finds the other services but never this one, nor in the counts
    assert hidden.pk not in found(cast.buyer, office) and found(cast.buyer, office)
    assert sum(search.facet_counts("", {}, user=cast.buyer, context=office)["lot"].values()) == len(
        found(cast.buyer, office)
    )
    assert hidden.pk not in found(cast.officer, office)  # 契約課, but not cleared for SECRET
    # and a SECRET-cleared 契約課 officer finds it on a managed device, not on an unknown one
    assert hidden.pk in found(cleared, office)
    assert hidden.pk not in found(cleared, Context(device_trust=DeviceTrust.UNKNOWN))
    # and a direct award's frozen search holds only what its buyer could see
    frozen = search.freeze_search("", {}, user=cast.buyer, context=office)
    assert str(hidden.public_id) not in {row["service"] for row in frozen["results"]}
