# SPDX-License-Identifier: MPL-2.0
"""The BPMN processes end to end through the actions: each transition, the 決裁 route, 合議, 代決/後閲."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Department, Position, User
from civicloop.applications.models import Application
from civicloop.cases import actions, queries, workflow
from civicloop.cases.models import ApprovalStep, Case, CaseTask, ImmutableRecord
from civicloop.catalog import process
from civicloop.catalog.models import Procedure
from civicloop.catalog.process import WorkflowError
from civicloop.core.models import Event

# These tests check the process, not the PDF (the documents app's tests render and sign for real).
pytestmark = pytest.mark.usefixtures("fake_results")


def case_for(code: str, applicant: User, answers: dict[str, Any] | None = None) -> Case:
    """A submitted application of `code` and its case (answers are not what these tests are about)."""
    procedure = Procedure.objects.get(code=code)
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=procedure.current_version,
            applicant=applicant,
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
            receipt_number=f"T-{Application.objects.count():06d}",
            answers=answers or {},
        )
        return actions.open_case(application=application)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_submitted_application_opens_its_case_at_the_first_step_of_its_process(case: Case) -> None:
    # The process instance is started after commit by the relay (test_process_start.py).
    assert case.workflow == "application_with_fee"
    assert case.step == "intake"
    assert list(case.tasks.values_list("name", "completed_at")) == [("intake", None)]


def test_an_application_goes_through_review_and_the_approval_route_to_its_result(
    case: Case, clerk: User, chiefs: tuple[User, User], fake_results: list[tuple[str, str]]
) -> None:
    kakari, ka = chiefs
    actions.claim_case(case=case, clerk=clerk)
    assert refresh(case).step == "review"
    actions.submit_review(case=case, clerk=clerk, outcome="approve", comment="問題なし")
    case = refresh(case)
    assert case.step == "approval"
    route = list(case.approval_steps.values_list("level", "status"))
    assert route == [("kakaricho", "pending"), ("kacho", "waiting")]  # 専決規程: その他の申請 → 課長決裁

    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    assert list(refresh(case).approval_steps.values_list("status", flat=True)) == ["approved", "pending"]
    actions.act_on_approval(case=case, approver=ka, decision="approve", comment="決裁")
    case = refresh(case)
    assert case.step == "fee"  # 粗大ごみ: the fee is paid before the collection ticket goes out
    actions.confirm_fee(case=case, clerk=clerk, comment="納付書 123")
    case = refresh(case)
    assert case.status == Case.Status.CLOSED and case.step == ""
    assert case.application.status == Application.Status.APPROVED
    assert fake_results == [(str(case.public_id), "decision_notice")]
    assert workflow.load(case.workflow_state).is_completed()
    names = list(case.tasks.values_list("name", flat=True))
    assert names == ["intake", "review", "approval", "fee", "notify"]
    assert not case.tasks.filter(completed_at__isnull=True).exists()
    types = set(Event.objects.filter(subject=f"case/{case.public_id}").values_list("type", flat=True))
    assert {"jp.lg.civicloop.case.task_completed", "jp.lg.civicloop.case.approval_step"} <= types


def test_a_refusal_skips_the_fee_and_needs_reasons(
    case: Case, clerk: User, chiefs: tuple[User, User], fake_results: list[tuple[str, str]]
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    with pytest.raises(actions.InvalidInput):
        actions.submit_review(case=case, clerk=clerk, outcome="reject", reason="  ")
    assert refresh(case).step == "review"
    actions.submit_review(case=case, clerk=clerk, outcome="reject", reason="収集対象外の品目です")
    for approver in chiefs:
        actions.act_on_approval(case=case, approver=approver, decision="approve")
    case = refresh(case)
    assert case.status == Case.Status.CLOSED
    assert case.application.status == Application.Status.REJECTED
    assert case.decision_reason == "収集対象外の品目です"
    assert fake_results == [(str(case.public_id), "refusal_notice")]


def test_a_returned_draft_goes_back_to_review_and_a_new_round_starts(
    case: Case, clerk: User, chiefs: tuple[User, User]
) -> None:
    kakari, _ka = chiefs
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    with pytest.raises(actions.InvalidInput):
        actions.act_on_approval(case=case, approver=kakari, decision="return", comment="")
    actions.act_on_approval(case=case, approver=kakari, decision="return", comment="品目の確認を")
    case = refresh(case)
    assert case.step == "review"
    assert list(case.approval_steps.values_list("round", "status")) == [(1, "returned"), (1, "cancelled")]
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    assert list(refresh(case).approval_steps.filter(round=2).values_list("level", "status")) == [
        ("kakaricho", "pending"),
        ("kacho", "waiting"),
    ]


def test_illegal_steps_are_refused_by_name_and_change_nothing(
    case: Case, clerk: User, chiefs: tuple[User, User], staff: Callable[..., User]
) -> None:
    kakari, ka = chiefs
    with pytest.raises(actions.IllegalTransition):
        actions.submit_review(case=case, clerk=clerk, outcome="approve")  # still at intake
    actions.claim_case(case=case, clerk=clerk)
    with pytest.raises(actions.IllegalTransition):
        actions.act_on_approval(case=case, approver=kakari, decision="approve")  # nothing to approve yet
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    with pytest.raises(actions.NotAuthorised):
        actions.act_on_approval(case=case, approver=ka, decision="approve")  # 課長 before 係長
    with pytest.raises(actions.NotAuthorised):
        actions.act_on_approval(case=case, approver=clerk, decision="approve")  # a clerk has no rank
    outsider = staff("other-kakari", Position.KAKARICHO, department="kosodate_kyufu")
    with pytest.raises(actions.NotAuthorised):
        actions.act_on_approval(case=case, approver=outsider, decision="approve")
    assert list(refresh(case).approval_steps.values_list("status", flat=True)) == ["pending", "waiting"]
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    with pytest.raises(actions.NotAuthorised):
        actions.act_on_approval(case=case, approver=kakari, decision="approve")  # once per route
    actions.act_on_approval(case=case, approver=ka, decision="approve")
    actions.confirm_fee(case=case, clerk=clerk)
    with pytest.raises(actions.IllegalTransition):
        actions.act_on_approval(case=case, approver=ka, decision="approve")  # approving a closed case
    with pytest.raises(actions.IllegalTransition):
        actions.withdraw_application(application=case.application, resident=case.application.applicant)


def test_the_drafter_never_approves_their_own_draft(case: Case, staff: Callable[..., User]) -> None:
    drafter = staff("kakari-drafter", Position.KAKARICHO)
    actions.claim_case(case=case, clerk=drafter)
    actions.submit_review(case=case, clerk=drafter, outcome="approve")
    with pytest.raises(actions.NotAuthorised, match="drafter"):
        actions.act_on_approval(case=case, approver=drafter, decision="approve")


def test_proxy_approval_when_the_approver_is_absent_then_review_after_the_fact(
    case: Case, clerk: User, staff: Callable[..., User]
) -> None:
    kakari = staff("kakari", Position.KAKARICHO)
    deputy = staff("kakari-2", Position.KAKARICHO)
    ka = staff("ka", Position.KACHO, absent_until=timezone.localdate() + timedelta(days=3))
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    assert queries.can_approve(deputy, refresh(case)) == (True, True)
    step = actions.act_on_approval(case=case, approver=deputy, decision="approve", comment="課長不在のため代決")
    assert step.proxy and step.awaits_post_review
    assert refresh(case).step == "fee"
    with pytest.raises(actions.NotAuthorised):
        actions.post_review(step=step, reviewer=kakari, comment="")
    reviewed = actions.post_review(step=step, reviewer=ka, comment="確認しました")
    assert reviewed.post_reviewed_by == ka and not reviewed.awaits_post_review
    with pytest.raises(actions.IllegalTransition):
        actions.post_review(step=step, reviewer=ka, comment="二度目")


def test_no_proxy_while_the_approver_is_present(case: Case, clerk: User, chiefs: tuple[User, User], staff: Any) -> None:
    kakari, _ka = chiefs
    deputy = staff("kakari-2", Position.KAKARICHO)
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    with pytest.raises(actions.NotAuthorised):
        actions.act_on_approval(case=case, approver=deputy, decision="approve")


def test_a_decided_approval_step_cannot_be_rewritten(case: Case, clerk: User, chiefs: tuple[User, User]) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    step = actions.act_on_approval(case=case, approver=chiefs[0], decision="approve", comment="ok")
    step.comment = "changed later"
    with pytest.raises(ImmutableRecord):
        step.save(update_fields=["comment"])
    with pytest.raises(ImmutableRecord):
        step.delete()
    assert ApprovalStep.objects.get(pk=step.pk).comment == "ok"


def test_consultation_runs_in_parallel_and_moves_on_when_every_department_answered(
    case: Case, clerk: User, chiefs: tuple[User, User], staff: Callable[..., User]
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    finance = staff("somu", department="somu")
    env = staff("keiyaku", department="keiyaku")
    with pytest.raises(actions.InvalidInput):
        actions.request_consultation(
            case=case, clerk=clerk, departments=[case.department], question="?", outcome="approve"
        )
    asked = actions.request_consultation(
        case=case,
        clerk=clerk,
        departments=Department.objects.filter(code__in=["somu", "keiyaku"]),
        question="手数料の減免に問題がないか",
        outcome="approve",
    )
    assert refresh(case).step == "consultation"
    by_code = {c.department.code: c for c in asked}
    with pytest.raises(actions.NotAuthorised):
        actions.answer_consultation(consultation=by_code["somu"], staff=env, opinion="agree")
    with pytest.raises(actions.InvalidInput):
        actions.answer_consultation(consultation=by_code["keiyaku"], staff=env, opinion="disagree", comment="")
    actions.answer_consultation(consultation=by_code["keiyaku"], staff=env, opinion="comments", comment="分別の案内を")
    assert refresh(case).step == "consultation"
    actions.answer_consultation(consultation=by_code["somu"], staff=finance, opinion="agree")
    assert refresh(case).step == "approval"
    with pytest.raises(actions.IllegalTransition):
        actions.answer_consultation(consultation=by_code["somu"], staff=finance, opinion="agree")


def test_a_correction_loops_back_to_review_and_pauses_the_clock(case: Case, clerk: User) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="電話番号の確認")
    case = refresh(case)
    assert case.step == "correction" and case.sla_state() == Case.Sla.PAUSED
    answers = dict(case.application.answers, contact={"phone": "03-9999-0000"})
    actions.resubmit_correction(application=case.application, resident=case.application.applicant, answers=answers)
    case = refresh(case)
    assert case.step == "review"
    assert list(case.tasks.values_list("name", flat=True)) == ["intake", "review", "correction", "review"]


def test_a_notification_is_accepted_by_the_clerk_without_an_approval_route(
    resident: User, staff: Any, fake_results: list[tuple[str, str]]
) -> None:
    case = case_for("tennyu", resident)
    clerk = staff("shimin", department=case.department.code)
    assert case.workflow == "notification"
    actions.claim_case(case=case, clerk=clerk)
    with pytest.raises(actions.InvalidInput):
        actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.submit_review(case=case, clerk=clerk, outcome="accept")
    case = refresh(case)
    assert case.status == Case.Status.CLOSED
    assert case.application.status == Application.Status.COMPLETED
    assert not case.approval_steps.exists()
    assert fake_results == [(str(case.public_id), "acceptance_notice")]


def test_an_inspection_comes_before_review(resident: User, staff: Any) -> None:
    case = case_for("doro-senyo", resident)
    clerk = staff("doro", department=case.department.code)
    actions.claim_case(case=case, clerk=clerk)
    assert refresh(case).step == "inspection"
    with pytest.raises(actions.InvalidInput):
        actions.record_inspection(case=case, clerk=clerk, comment=" ")
    actions.record_inspection(case=case, clerk=clerk, comment="現地確認済み。通行に支障なし")
    assert refresh(case).step == "review"


def test_a_large_amount_goes_up_to_the_director(resident: User, staff: Any) -> None:
    case = case_for("kaigo-jutaku-kaishu", resident, {"cost": 1_500_000})
    clerk = staff("kaigo", department=case.department.code)
    actions.claim_case(case=case, clerk=clerk)
    actions.record_inspection(case=case, clerk=clerk, comment="施工前の状況を確認")
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    assert list(refresh(case).approval_steps.values_list("level", flat=True)) == ["kakaricho", "kacho", "bucho"]


def test_a_certificate_is_decided_by_the_section_chief_alone(resident: User, staff: Any) -> None:
    case = case_for("juminhyo", resident)
    clerk = staff("madoguchi", department=case.department.code)
    kakari = staff("madoguchi-kakari", Position.KAKARICHO, department=case.department.code)
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    actions.act_on_approval(case=case, approver=kakari, decision="approve")
    assert refresh(case).step == "fee"


def test_withdrawal_stops_the_process(case: Case, clerk: User) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.withdraw_application(application=case.application, resident=case.application.applicant)
    case = refresh(case)
    assert case.status == Case.Status.CLOSED and case.step == ""
    assert not case.tasks.filter(completed_at__isnull=True).exists()
    assert case.tasks.get(name="review").outcome == "withdrawn"


def test_the_process_state_survives_a_restart(case: Case, clerk: User) -> None:
    actions.claim_case(case=case, clerk=clerk)
    process.parsed_spec.cache_clear()  # a new process: nothing in memory, only what the database holds
    restored = workflow.load(refresh(case).workflow_state)
    assert workflow.waiting_for(restored) == ["review"]
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    assert refresh(case).step == "approval"


def test_gateway_data_is_only_ever_a_fixed_value(case: Case) -> None:
    process = workflow.start(case.workflow, {})
    with pytest.raises(WorkflowError):
        workflow.complete(process, "intake", route="__import__('os').system('true')")


def test_bulk_assignment_is_all_or_nothing_and_for_chiefs(
    resident: User, sodai_gomi: Procedure, clerk: User, chiefs: tuple[User, User], staff: Any
) -> None:
    kakari, _ka = chiefs
    cases = [case_for("sodai-gomi", resident) for _ in range(3)]
    with pytest.raises(actions.NotAuthorised):
        actions.assign_cases(cases=cases, by=clerk, assignee=clerk)
    outsider = staff("outsider", department="somu")
    with pytest.raises(actions.NotAuthorised):
        actions.assign_cases(cases=cases, by=kakari, assignee=outsider)
    assert not Case.objects.filter(assignee__isnull=False).exists()
    assert actions.assign_cases(cases=cases, by=kakari, assignee=clerk) == 3
    assert Case.objects.filter(assignee=clerk).count() == 3


def test_comments_are_added_never_edited(case: Case, clerk: User) -> None:
    comment = actions.add_comment(case=case, author=clerk, body="電話で確認済み")
    comment.body = "書き換え"
    with pytest.raises(ImmutableRecord):
        comment.save()
    with pytest.raises(actions.InvalidInput):
        actions.add_comment(case=case, author=clerk, body="   ")


def test_task_rows_record_who_and_when(case: Case, clerk: User) -> None:
    actions.claim_case(case=case, clerk=clerk)
    intake = CaseTask.objects.get(case=case, name="intake")
    assert intake.completed_by == clerk and intake.completed_at is not None and intake.outcome == "claimed"


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_one_wins_and_the_other_is_told(
    case: Case, clerk: User, staff: Callable[..., User]
) -> None:
    """Row locks, not last-write-wins: both 係長 press approve together; one step is approved once."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race exists only on PostgreSQL")
    first, second = staff("kakari-a", Position.KAKARICHO), staff("kakari-b", Position.KAKARICHO)
    staff("ka", Position.KACHO)
    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def press(approver: User) -> None:
        try:
            barrier.wait()
            actions.act_on_approval(case=case, approver=approver, decision="approve")
            outcomes.append("approved")
        except (actions.NotAuthorised, actions.IllegalTransition) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["NotAuthorised", "approved"]
    steps = list(refresh(case).approval_steps.values_list("level", "status"))
    assert steps == [("kakaricho", "approved"), ("kacho", "pending")]


def test_approving_asks_for_the_second_factor_again_after_half_an_hour(
    case: Case, clerk: User, chiefs: tuple[User, User]
) -> None:
    import time

    from django.test import Client
    from django.urls import reverse

    from civicloop.accounts.testing import sign_in_with_mfa

    actions.claim_case(case=case, clerk=clerk)
    actions.submit_review(case=case, clerk=clerk, outcome="approve")
    stale = sign_in_with_mfa(Client(), chiefs[0], at=time.time() - 3600)
    response = stale.post(reverse("cases:case-approve", args=[case.public_id]), {"decision": "approve"})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert list(refresh(case).approval_steps.values_list("status", flat=True)) == ["pending", "waiting"]
    fresh = sign_in_with_mfa(Client(), chiefs[0])
    fresh.post(reverse("cases:case-approve", args=[case.public_id]), {"decision": "approve"})
    assert list(refresh(case).approval_steps.values_list("status", flat=True)) == ["approved", "pending"]
