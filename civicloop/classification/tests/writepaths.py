# SPDX-License-Identifier: MPL-2.0
"""The registry of write paths the write matrix walks, and the world they act on.

A write path is any action function that changes a record on someone's behalf: a step of a case,
a comment, an answer to a 合議, a 決裁, a resident's 補正 or 取下げ, a relabel request, a refund, an
inquiry's re-routing. Each entry names the object it acts on (which fixes the owning department
the oracle reads), any rule beyond the policy that the oracle must also know (the rank a 決裁
step needs), and how to try it. Every try runs inside a savepoint that is rolled back, so the
world stays at the same step for the next subject.

To cover a new write path, append one `WritePath` to WRITE_PATHS in the same commit as the
action (docs/classification.md, "The access matrix").
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import POSITION_RANK, Department, Position, User
from civicloop.applications.models import Application
from civicloop.cases import actions
from civicloop.cases.models import ApprovalStep, Case, Consultation
from civicloop.catalog.models import Procedure
from civicloop.classification import actions as classification_actions
from civicloop.classification import family
from civicloop.classification.policy import Context, DeviceTrust, NotPermitted
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.intelligence import actions as inquiry_actions
from civicloop.intelligence.models import Inquiry
from civicloop.payments import actions as payment_actions
from civicloop.payments.models import Payment

OWNING = "seiso"  # 清掃リサイクル課 owns every case of the world
CONSULTED = "kosodate_kyufu"  # the department each 合議 of the world asks
SETUP = Context(device_trust=DeviceTrust.MANAGED)


@dataclass
class Files:
    """One tier's objects, each waiting at the step its write path takes."""

    intake: Case  # waiting for 受付 (claim); also what its resident may withdraw
    review: Case  # claimed, unassigned again, waiting for 審査
    inspection: Case  # waiting for 現地調査
    consultation: Consultation  # a 合議 asked of CONSULTED
    approval: Case  # waiting for the 係長's 決裁
    fee: Case  # approved (the 課長's step by 代決, awaiting 後閲), waiting for 手数料納付
    paid: Case  # approved, its fee taken at the counter (a payment to refund)
    correction: Case  # with the resident for a 補正
    inquiry: Inquiry  # routed to OWNING


@dataclass
class Cast:
    resident: User
    drafter: User
    kakari: tuple[User, User]
    kacho: User


def case_for(code: str, applicant: User) -> Case:
    """A submitted application of `code` and its case (valid answers, so a 補正 can be answered)."""
    procedure = Procedure.objects.get(code=code)
    with transaction.atomic():
        application = Application.objects.create(
            procedure_version=procedure.current_version,
            applicant=applicant,
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
            receipt_number=f"W-{Application.objects.count():06d}",
            answers=VALID_SODAI_GOMI if code == "sodai-gomi" else {},
        )
        return actions.open_case(application=application)


def _reviewing(cast: Cast, code: str = "sodai-gomi") -> Case:
    case = case_for(code, cast.resident)
    actions.claim_case(case=case, clerk=cast.drafter, context=SETUP)
    Case.objects.filter(pk=case.pk).update(assignee=None)
    return Case.objects.get(pk=case.pk)


def _fee_case(cast: Cast) -> Case:
    """Through the route: the 係長 approves, the absent 課長's step by 代決; 後閲 and the fee remain."""
    case = _reviewing(cast)
    actions.submit_review(case=case, clerk=cast.drafter, outcome="approve", context=SETUP)
    actions.act_on_approval(case=case, approver=cast.kakari[0], decision="approve", context=SETUP)
    User.objects.filter(pk=cast.kacho.pk).update(absent_until=timezone.localdate() + timedelta(days=3))
    actions.act_on_approval(case=case, approver=cast.kakari[1], decision="approve", context=SETUP)
    User.objects.filter(pk=cast.kacho.pk).update(absent_until=None)
    return Case.objects.get(pk=case.pk)


def _paid_case(cast: Cast) -> Case:
    """A fee case whose fee was taken at the counter: a payment a clerk may refund (還付). Recorded by
    payments alone, so the case is not closed (no document is issued for each tier's world)."""
    case = _fee_case(cast)
    payment_actions.record_counter_payment(case=case, amount_yen=600, reference="窓口-0001")
    return case


def build_files(cast: Cast, tier: str) -> Files:
    review = _reviewing(cast)
    inspection = case_for("doro-senyo", cast.resident)
    Case.objects.filter(pk=inspection.pk).update(department=Department.objects.get(code=OWNING))
    actions.claim_case(case=inspection, clerk=cast.drafter, context=SETUP)
    consulting = _reviewing(cast)
    (consultation,) = actions.request_consultation(
        case=consulting,
        clerk=cast.drafter,
        departments=[Department.objects.get(code=CONSULTED)],
        question="道路使用の影響について",
        outcome="approve",
        context=SETUP,
    )
    approval = _reviewing(cast)
    actions.submit_review(case=approval, clerk=cast.drafter, outcome="approve", context=SETUP)
    correction = _reviewing(cast)
    actions.request_correction(
        case=correction, clerk=cast.drafter, fields=["contact"], attachments=[], reason="電話番号の確認", context=SETUP
    )
    inquiry = Inquiry.objects.create(
        reference_number=f"Q-{tier}",
        text="粗大ごみの出し方",
        resident=cast.resident,
        status=Inquiry.Status.ROUTED,
        department=Department.objects.get(code=OWNING),
    )
    cases = [
        case_for("sodai-gomi", cast.resident),
        review,
        inspection,
        consulting,
        approval,
        _fee_case(cast),
        correction,
        _paid_case(cast),
    ]
    with transaction.atomic():
        for case in cases:
            family.relabel_family(case, new=tier)
        Inquiry.objects.filter(pk=inquiry.pk).update(classification=tier)
    fresh = [Case.objects.get(pk=c.pk) for c in cases]
    return Files(
        intake=fresh[0],
        review=fresh[1],
        inspection=fresh[2],
        consultation=Consultation.objects.get(pk=consultation.pk),
        approval=fresh[4],
        fee=fresh[5],
        correction=fresh[6],
        paid=fresh[7],
        inquiry=Inquiry.objects.get(pk=inquiry.pk),
    )


def protected_objects(files: Files) -> list[Any]:
    """Everything a need-to-know grant in the world names: each case, its application, each 合議."""
    cases = [files.intake, files.review, files.inspection, files.approval, files.fee, files.correction, files.paid]
    return [*cases, *(c.application for c in cases), files.consultation.case, files.consultation, files.inquiry]


# -- the paths ------------------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


def attempt(run: Callable[[], object]) -> bool | str:
    """True when the write went through (then rolled back), False when it was refused, or the error."""
    try:
        with transaction.atomic():
            run()
            raise _RolledBack
    except _RolledBack:
        return True
    except (NotPermitted, classification_actions.NotAllowed):
        return False
    except Exception as exc:  # any other error is a broken path, reported by name
        return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class WritePath:
    name: str
    department: str  # the department that owns the object the path acts on
    run: Callable[[User, Files, Context], object]
    audience: str = "staff"  # or "resident": the applicant's own writes
    position: str = ""  # a 決裁 step: only this rank may take it (専決規程)
    min_position: str = ""  # assignment: this rank or above
    target: str = "case"  # the object a grant must name ("consultation" for a 合議)
    officer_may: bool = False  # the information-security officer may too, wherever they may view it

    def rank_allows(self, position: str) -> bool:
        if self.position and position != self.position:
            return False
        return not (self.min_position and POSITION_RANK[position] < POSITION_RANK[self.min_position])


def _pending(case: Case) -> ApprovalStep:
    step = case.approval_steps.filter(proxy=True, post_reviewed_at__isnull=True).first()
    assert step is not None, "the world's fee case has a 代決 step awaiting 後閲"
    return step


def _assign(user: User, f: Files, c: Context) -> object:
    drafter = User.objects.get(username="matrix-drafter")
    return actions.assign_cases(cases=[f.review], by=user, assignee=drafter, context=c)


def _relabel(user: User, f: Files, c: Context) -> object:
    to_tier = "SECRET" if f.review.classification == "TOP_SECRET" else "TOP_SECRET"
    return classification_actions.request_classification_change(
        obj=f.review, requested_by=user, to_tier=to_tier, justification="個人の健康情報を含むため", context=c
    )


WRITE_PATHS: list[WritePath] = [
    WritePath("claim (受付)", OWNING, lambda u, f, c: actions.claim_case(case=f.intake, clerk=u, context=c)),
    WritePath("assign", OWNING, _assign, min_position=Position.KAKARICHO),
    WritePath(
        "comment", OWNING, lambda u, f, c: actions.add_comment(case=f.review, author=u, body="確認中", context=c)
    ),
    WritePath(
        "inspection (現地調査)",
        OWNING,
        lambda u, f, c: actions.record_inspection(case=f.inspection, clerk=u, comment="現地確認済み", context=c),
    ),
    WritePath(
        "correction request (補正)",
        OWNING,
        lambda u, f, c: actions.request_correction(
            case=f.review, clerk=u, fields=["contact"], attachments=[], reason="連絡先の確認", context=c
        ),
    ),
    WritePath(
        "draft decision (起案)",
        OWNING,
        lambda u, f, c: actions.submit_review(case=f.review, clerk=u, outcome="approve", context=c),
    ),
    WritePath(
        "consultation request (合議)",
        OWNING,
        lambda u, f, c: actions.request_consultation(
            case=f.review,
            clerk=u,
            departments=[Department.objects.get(code=CONSULTED)],
            question="ご意見をください",
            outcome="approve",
            context=c,
        ),
    ),
    WritePath(
        "consultation answer (合議)",
        CONSULTED,
        lambda u, f, c: actions.answer_consultation(consultation=f.consultation, staff=u, opinion="agree", context=c),
        target="consultation",
    ),
    WritePath(
        "approval (決裁)",
        OWNING,
        lambda u, f, c: actions.act_on_approval(case=f.approval, approver=u, decision="approve", context=c),
        position=Position.KAKARICHO,
    ),
    WritePath(
        "post review (後閲)",
        OWNING,
        lambda u, f, c: actions.post_review(step=_pending(f.fee), reviewer=u, context=c),
        position=Position.KACHO,
    ),
    WritePath("fee (手数料納付)", OWNING, lambda u, f, c: actions.confirm_fee(case=f.fee, clerk=u, context=c)),
    # Every refund (online, at the counter, of a second capture) locks its payment through one guard,
    # payments.actions._lock_for_refund; the counter's needs no provider, so it stands for the three.
    WritePath(
        "refund of a counter fee (還付)",
        OWNING,
        lambda u, f, c: payment_actions.refund_counter_payment(
            payment=Payment.objects.get(case=f.paid),
            clerk=u,
            reason="1件分の取消し",
            method="cash",
            reference="還付-0001",
            amount_yen=200,
            context=c,
        ),
    ),
    WritePath("relabel request", OWNING, _relabel, officer_may=True),
    WritePath(
        "inquiry re-routing",
        OWNING,
        lambda u, f, c: inquiry_actions.reroute_inquiry(
            inquiry=f.inquiry, to_department=Department.objects.get(code="dx"), by=u, reason="担当違い", context=c
        ),
        target="inquiry",
    ),
    WritePath(
        "inquiry answer",
        OWNING,
        lambda u, f, c: inquiry_actions.answer_inquiry(inquiry=f.inquiry, answer="月曜日です", by=u, context=c),
        target="inquiry",
    ),
    WritePath(
        "inquiry turned into a case",
        OWNING,
        lambda u, f, c: inquiry_actions.open_case_from_inquiry(
            inquiry=f.inquiry, procedure=Procedure.objects.get(code="sodai-gomi"), by=u, context=c
        ),
        target="inquiry",
    ),
    WritePath(
        "resident: correction resubmitted",
        OWNING,
        lambda u, f, c: actions.resubmit_correction(
            application=f.correction.application, resident=u, answers={"contact": {"phone": "03-9999-0000"}}
        ),
        audience="resident",
    ),
    WritePath(
        "resident: withdrawal (取下げ)",
        OWNING,
        lambda u, f, c: actions.withdraw_application(application=f.intake.application, resident=u),
        audience="resident",
    ),
]
