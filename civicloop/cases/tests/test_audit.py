# SPDX-License-Identifier: MPL-2.0
"""Audit entries of the case writes that change what the record says: a resident's 補正 and a staff comment."""

import json

import pytest

from civicloop.accounts.models import User
from civicloop.cases import actions
from civicloop.cases.models import Case
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.audit import verify_chain
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PHONE = "090-8765-4321"


def test_a_resubmitted_correction_names_the_changed_answers_but_not_their_values(
    case: Case, clerk: User, resident: User
) -> None:
    # given a 補正 request for the contact answer
    actions.claim_case(case=case, clerk=clerk)
    request = actions.request_correction(
        case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認"
    )
    # when the resident sends a new phone number (and, ignored, a new family name)
    answers = {"contact": {"phone": NEW_PHONE}, "applicant": {**VALID_SODAI_GOMI["applicant"], "family": "改ざん"}}
    actions.resubmit_correction(application=case.application, resident=resident, answers=answers)
    # then one entry, by the resident, on the application, says which answer changed
    entry = AuditEntry.objects.get(action="application.correct")
    assert entry.actor == f"user/{resident.public_id}"
    assert (entry.object_type, entry.object_id) == ("application", str(case.application.public_id))
    assert entry.data == {
        "correction": str(request.public_id),
        "fields": ["contact"],
        "changed": ["contact"],
        "attachments": [],
    }
    assert entry.classification == case.application.classification
    # and no answer, old or new, is copied into the log
    logged = json.dumps(entry.data, ensure_ascii=False)
    assert NEW_PHONE not in logged and VALID_SODAI_GOMI["contact"]["phone"] not in logged
    assert verify_chain() is None


def test_an_unchanged_resubmission_is_still_recorded_with_nothing_changed(
    case: Case, clerk: User, resident: User
) -> None:
    actions.claim_case(case=case, clerk=clerk)
    actions.request_correction(case=case, clerk=clerk, fields=["contact"], attachments=[], reason="番号を確認")
    actions.resubmit_correction(
        application=case.application, resident=resident, answers={"contact": dict(VALID_SODAI_GOMI["contact"])}
    )
    assert AuditEntry.objects.get(action="application.correct").data["changed"] == []


def test_a_staff_comment_is_recorded_without_its_text(case: Case, clerk: User) -> None:
    # when a clerk comments on the case
    comment = actions.add_comment(case=case, author=clerk, body="電話で本人確認済み")
    # then one entry, by the clerk, on the case, points at the comment and does not repeat it
    entry = AuditEntry.objects.get(action="case.comment")
    assert entry.actor == f"user/{clerk.public_id}"
    assert (entry.object_type, entry.object_id) == ("case", str(case.public_id))
    assert entry.data == {"comment": comment.pk}
    assert entry.classification == case.classification
    assert "本人確認" not in json.dumps(entry.data, ensure_ascii=False)


def test_a_refused_comment_leaves_no_entry(case: Case, clerk: User, resident: User) -> None:
    with pytest.raises(actions.InvalidInput):
        actions.add_comment(case=case, author=clerk, body="  ")
    with pytest.raises(actions.NotAuthorised):
        actions.add_comment(case=case, author=resident, body="住民は書けない")
    assert not AuditEntry.objects.filter(action="case.comment").exists()
