# SPDX-License-Identifier: MPL-2.0
"""The authoring actions: changes kept and compacted, versions with their hash, review and sign-off."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.authoring import actions, ydoc
from civicloop.authoring.errors import DocumentFrozen, InvalidReviewers, NotReadyToSignOff, NotReviewer
from civicloop.authoring.models import Document, DocumentUpdate, Review, content_hash
from civicloop.authoring.tests.conftest import MANAGED, paragraphs_update, write
from civicloop.classification.policy import Action, NotPermitted, decide
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db


def _text(document: Document) -> str:
    return ydoc.to_text(ydoc.load(*actions.stored_updates(document)))


def test_each_change_is_kept_and_the_text_is_the_same_after_compaction(draft: Document, author: User) -> None:
    write(draft, author, "一 ごみ収集の見直しについて")
    write(draft, author, "二 資源回収の日程について")

    before = _text(draft)
    actions.compact_document(document=draft)

    assert before == "一 ごみ収集の見直しについて\n二 資源回収の日程について"
    assert DocumentUpdate.objects.filter(document=draft).count() == 0
    assert _text(draft) == before


def test_a_clerk_of_another_department_cannot_start_a_document_for_it(outsider: User) -> None:
    with pytest.raises(NotPermitted):
        actions.create_document(
            title="答弁書",
            kind=Document.Kind.ANSWER,
            classification="OFFICIAL",
            department=Department.objects.get(code="seiso"),
            created_by=outsider,
            context=MANAGED,
        )


def test_a_version_freezes_text_html_and_their_sha256(draft: Document, author: User) -> None:
    write(draft, author, "答弁 <案>")

    version = actions.create_version(document=draft, created_by=author, context=MANAGED)

    assert (version.number, version.text, version.html) == (1, "答弁 <案>", "<p>答弁 &lt;案&gt;</p>")
    assert version.sha256 == content_hash(version.html) and version.is_intact()
    assert ydoc.to_text(ydoc.load(bytes(version.y_state))) == "答弁 <案>"


def test_sign_off_needs_every_reviewer_to_approve_then_the_document_refuses_changes(
    draft: Document, author: User, colleague: User
) -> None:
    # given a version under review by a colleague
    write(draft, author, "最終案")
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)
    with pytest.raises(NotReadyToSignOff):
        actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)
    # when the colleague approves and the author signs off
    actions.decide_review(review=review, reviewer=colleague, approve=True)
    actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)
    # then the document is frozen
    draft.refresh_from_db()
    assert draft.is_signed_off
    with pytest.raises(DocumentFrozen):
        write(draft, author, "署名後の変更")
    assert _text(draft) == "最終案"


def test_a_new_version_after_sign_off_opens_the_text_and_a_new_review(
    draft: Document, author: User, colleague: User
) -> None:
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)
    actions.decide_review(review=review, reviewer=colleague, approve=True)
    actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)

    second = actions.create_version(document=draft, created_by=author, context=MANAGED)
    write(draft, author, "修正")

    draft.refresh_from_db()
    assert (second.number, draft.status, second.reviews.count()) == (2, Document.Status.DRAFT, 0)
    with pytest.raises(NotReadyToSignOff):
        actions.sign_off_version(version=second, signed_off_by=author, context=MANAGED)


def test_changes_requested_block_sign_off_and_only_the_reviewer_decides(
    draft: Document, author: User, colleague: User
) -> None:
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)
    with pytest.raises(NotReviewer):
        actions.decide_review(review=review, reviewer=author, approve=True)

    decided = actions.decide_review(review=review, reviewer=colleague, approve=False, comment="第二項を具体的に")

    assert (decided.status, decided.comment) == (Review.Status.CHANGES_REQUESTED, "第二項を具体的に")
    with pytest.raises(NotReadyToSignOff):
        actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)


def test_a_reviewer_from_another_department_may_read_the_document_but_not_edit_it(
    draft: Document, author: User, outsider: User
) -> None:
    assert not decide(outsider, Action.VIEW, draft, MANAGED).allowed
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)

    actions.request_review(version=version, reviewers=[outsider], requested_by=author, context=MANAGED)

    assert decide(outsider, Action.VIEW, draft, MANAGED).allowed
    assert not decide(outsider, Action.WORK, draft, MANAGED).allowed
    grant = AuditEntry.objects.get(action="need_to_know.grant")  # through the classification app's one action
    assert (grant.data["basis"], grant.data["user"]) == ("review", str(outsider.public_id))


def test_an_uncleared_person_cannot_be_asked_to_review_a_secret_document(
    author: User, colleague: User, make_clerk: object
) -> None:
    author.clearance = "SECRET"
    author.save(update_fields=["clearance"])
    secret = actions.create_document(
        title="人事案",
        kind=Document.Kind.REPORT,
        classification="SECRET",
        department=Department.objects.get(code="seiso"),
        created_by=author,
        context=MANAGED,
    )
    version = actions.create_version(document=secret, created_by=author, context=MANAGED)

    with pytest.raises(InvalidReviewers):
        actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)


def test_creation_versions_reviews_and_sign_off_are_audited_and_recorded_as_events(
    draft: Document, author: User, colleague: User
) -> None:
    since = timezone.now() - timedelta(minutes=1)
    version = actions.create_version(document=draft, created_by=author, context=MANAGED)
    [review] = actions.request_review(version=version, reviewers=[colleague], requested_by=author, context=MANAGED)
    actions.decide_review(review=review, reviewer=colleague, approve=True)
    actions.sign_off_version(version=version, signed_off_by=author, context=MANAGED)

    audited = list(
        AuditEntry.objects.filter(object_id=str(draft.public_id), action__startswith="authoring.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert audited == [
        "authoring.created",
        "authoring.versioned",
        "authoring.review_requested",
        "authoring.review_decided",
        "authoring.signed_off",
    ]
    assert Event.objects.filter(subject=f"authored_document/{draft.public_id}", time__gte=since).count() == 5


def test_changes_are_folded_into_the_document_once_enough_have_piled_up(
    draft: Document, author: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "COMPACT_AFTER", 3)

    for line in ("一", "二", "三"):
        write(draft, author, line)

    draft.refresh_from_db()
    assert DocumentUpdate.objects.filter(document=draft).count() == 0
    assert ydoc.to_text(ydoc.load(bytes(draft.y_state))) == "一\n二\n三"


def test_keeping_a_change_counts_without_a_count_query(draft: Document, author: User) -> None:
    update = paragraphs_update("一行")

    with CaptureQueriesContext(connection) as queries:
        actions.append_update(document=draft, update=update, author=author)

    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    draft.refresh_from_db()
    assert draft.pending_updates == 1 == DocumentUpdate.objects.filter(document=draft).count()
