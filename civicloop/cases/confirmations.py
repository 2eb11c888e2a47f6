# SPDX-License-Identifier: MPL-2.0
"""What the 起案 and 決裁 forms confirm once their step is done: what actually became of the case.

One step can end in several ways — a 決裁 approves and hands the draft to the next rank, or
decides the case, or returns the draft (差戻し) — and the confirmation names the one that
happened, read from the case as the action left it, not from the button that was pressed.
"""

from django.utils.translation import gettext as _

from civicloop.accounts.models import Position
from civicloop.cases.models import ApprovalStep, Case
from civicloop.cases.queries import pending_step
from civicloop.core.language import is_english


def _sentences(*said: str) -> str:
    """Sentences one after another: a space between English ones, none between Japanese ones (。)."""
    return (" " if is_english() else "").join(filter(None, said))


def _rank(level: str) -> str:
    return str(dict(Position.choices).get(level, _("approver")))


def _where_now(case: Case) -> str:
    """Where the case went once the draft was approved along the whole route (or needed no 決裁)."""
    if case.status == Case.Status.CLOSED:
        return _("The case is decided and the result was issued to the applicant.")
    if case.step == "fee":
        return _("The result is issued once the fee is paid.")
    step = pending_step(case) if case.step == "approval" else None
    if step is not None:
        return _("It now waits for approval by the %(rank)s.") % {"rank": _rank(step.level)}
    return ""


def after_draft(case: Case) -> str:
    """After 起案 (submit_review): sent for 決裁, or — with no 決裁 on its route — decided."""
    if case.step == "approval":
        return _sentences(_("The draft decision was sent for approval (決裁)."), _where_now(case))
    return _sentences(_("The result was recorded."), _where_now(case))


def after_consultation_request() -> str:
    return _("The draft was sent to the other departments for their opinions (合議).")


def after_approval(step: ApprovalStep, case: Case) -> str:
    """After 決裁 (act_on_approval): returned for rework, or approved — and then where the case is."""
    if step.status == ApprovalStep.Status.RETURNED:
        return _("You returned the draft to the clerk for rework (差戻し).")
    proxy = _("You decided in the approver's absence (代決): they review it afterwards (後閲).") if step.proxy else ""
    return _sentences(_("You approved the draft (決裁)."), proxy, _where_now(case))
