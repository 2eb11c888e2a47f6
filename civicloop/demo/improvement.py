# SPDX-License-Identifier: MPL-2.0
"""The demo's 改善 story: the action behind the generated history's one improvement.

The history (analytics.history.profiles.CORRECTION_FIXES) has 児童手当's 補正 about the bank
account fall part-way through; here the 子育て給付課 課長 records the action on that day, so the
改善 page shows a finding, an action and its before and after from the start.
"""

from datetime import timedelta

from civicloop.accounts.models import User
from civicloop.analytics.actions import record_improvement_action
from civicloop.analytics.history.profiles import CORRECTION_FIXES
from civicloop.analytics.improvement.findings import finding_for
from civicloop.analytics.improvement.measures import Key
from civicloop.analytics.models import Finding, GeneratedHistory, ImprovementAction

PROCEDURE = "jido-teate"
ANSWER = "answer:bank_account"
OWNER = "kacho-kosodate"
DESCRIPTION = "口座情報の設問に記入例と通帳の見開きの写真の例を追加"


def seed_improvement() -> int:
    """Record the demo action once, dated where the history's fix begins; how many were recorded."""
    history = GeneratedHistory.objects.order_by("-created_at").first()
    owner = User.objects.filter(username=OWNER).first()
    finding = finding_for(Key(Finding.Kind.CORRECTION, PROCEDURE, ANSWER))
    if history is None or owner is None or finding is None:
        return 0
    if ImprovementAction.objects.filter(finding__procedure=PROCEDURE, finding__subject=ANSWER).exists():
        return 0
    fraction = CORRECTION_FIXES[PROCEDURE][0]
    taken_on = history.start + timedelta(days=round((history.end - history.start).days * fraction))
    record_improvement_action(finding=finding, actor=owner, description=DESCRIPTION, taken_on=taken_on)
    return 1
