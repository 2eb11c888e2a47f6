# SPDX-License-Identifier: MPL-2.0
"""Reactions of the documents app to the cases app's events, run inside the recording transaction.

cases sits below documents (an issued document belongs to a case), so cases never calls documents:
it records `case.decided` and the result document follows from here, in the deciding transaction.
A case is then never decided without its signed result, nor the result issued for an undecided case.
The resident's result notice follows the result's own `document.issued` (civicloop.notifications),
so it goes out once the PDF exists, whatever order the apps' subscribers run in.
"""

from civicloop.accounts.models import User
from civicloop.cases.models import Case
from civicloop.core import events
from civicloop.core.models import Event

# The document each outcome of a case states (docs/documents.md); a 届出 is accepted, not granted.
RESULT_DOCUMENTS = {"approve": "decision_notice", "reject": "refusal_notice", "accept": "acceptance_notice"}


@events.subscribe("case.decided")
def issue_result(event: Event) -> None:
    """結果通知: render and sign the decided case's result (決定通知書, 不承認通知書, 受理通知書).

    Issued by the person whose step decided the case (the event's `decided_by`), stating the
    decision's outcome and, for a refusal, its reasons as the case records them (行政手続法8条).
    """
    case = getattr(event, "instance", None)
    if not isinstance(case, Case):
        case = Case.objects.select_related("department").get(public_id=event.subject.removeprefix("case/"))
    outcome = str(event.data["outcome"])
    issued_by = User.objects.get(public_id=event.data["decided_by"])
    # Imported here, not at the top: it loads WeasyPrint and Pango (half a second), which only a
    # process that decides a case needs; web workers and commands start without them. Tests that
    # leave the PDF out replace civicloop.documents.issue.issue_document.
    from civicloop.documents import issue

    issue.issue_document(
        case, kind=RESULT_DOCUMENTS[outcome], issued_by=issued_by, outcome=outcome, reason=case.decision_reason
    )
