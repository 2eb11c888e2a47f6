# SPDX-License-Identifier: MPL-2.0
"""Review notices: reviewers hear they are asked, the requester hears each decision."""

import pytest

from civicloop.accounts.models import User
from civicloop.authoring import actions
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED
from civicloop.notifications.access import get_notice_for_user
from civicloop.notifications.models import Message as Notice

pytestmark = pytest.mark.django_db


def test_each_reviewer_is_told_in_their_inbox_with_a_link_to_the_document(
    draft: Document, author: User, colleague: User, outsider: User
) -> None:
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)

    actions.request_review(version=version, reviewers=[colleague, outsider], requested_by=author, context=MANAGED)

    notices = Notice.objects.filter(template_code="authoring.review_requested", channel="portal")
    assert {n.recipient_id for n in notices} == {colleague.pk, outsider.pk}
    for notice in notices:
        assert str(draft.public_id) in notice.body and draft.title in notice.title
    for person in (colleague, outsider):  # each may open their own notice
        notice = notices.get(recipient=person)
        assert get_notice_for_user(person, notice.public_id, context=MANAGED) == notice


def test_the_requester_hears_an_approval_and_a_request_for_changes_with_its_comment(
    draft: Document, author: User, colleague: User, outsider: User
) -> None:
    # given a version under review by two people
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    first, second = actions.request_review(
        version=version, reviewers=[colleague, outsider], requested_by=author, context=MANAGED
    )

    # when one approves and the other asks for changes
    actions.decide_review(review=first, reviewer=colleague, approve=True)
    actions.decide_review(review=second, reviewer=outsider, approve=False, comment="第二項を具体的に")

    # then the requester has one notice for each, saying which
    notices = Notice.objects.filter(template_code="authoring.review_decided", channel="portal", recipient=author)
    bodies = sorted(n.body for n in notices)
    assert len(bodies) == 2
    assert any("承認しました" in body for body in bodies)
    assert any("修正を依頼しました" in body and "第二項を具体的に" in body for body in bodies)
    assert not Notice.objects.filter(template_code="authoring.review_decided").exclude(recipient=author).exists()
