# SPDX-License-Identifier: MPL-2.0
"""The chat's writes: posting, threads, mentions, edits and deletions with their history, audit and events."""

import pytest

from civicloop.accounts.models import Department, User
from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT, NotPermitted
from civicloop.collab import actions
from civicloop.collab.models import Channel, Mention, Message, MessageRevision, Reaction
from civicloop.collab.rules import Kind
from civicloop.collab.tests.conftest import MANAGED, post, relabel
from civicloop.core.models import AuditEntry, Event
from civicloop.notifications.access import get_notice_for_user
from civicloop.notifications.models import Message as Notice

pytestmark = pytest.mark.django_db


def test_a_post_is_stored_numbered_audited_and_recorded_without_its_text(
    department_channel: Channel, seiso_clerk: User
) -> None:
    message = post(department_channel, seiso_clerk, "明日の収集ルートを変更します")

    assert message.seq == 1 and Channel.objects.get(pk=department_channel.pk).last_seq == 1
    assert message.classification == "OFFICIAL"
    entry = AuditEntry.objects.get(action="chat.post")
    assert entry.object_id == str(message.public_id) and entry.actor == f"user/{seiso_clerk.public_id}"
    event = Event.objects.get(type="jp.lg.civicloop.chat.message_posted")
    assert event.data["message"] == str(message.public_id)
    assert "収集ルート" not in str(event.data) + str(entry.data)


def test_someone_outside_the_department_cannot_post_and_the_refusal_is_audited(
    department_channel: Channel, outsider: User
) -> None:
    with pytest.raises(NotPermitted):
        post(department_channel, outsider)

    assert not Message.objects.exists()
    refusal = AuditEntry.objects.get(action="access.chat_post")
    assert refusal.data["allowed"] is False and refusal.actor == f"user/{outsider.public_id}"


def test_an_edit_keeps_the_earlier_text_in_a_revision_and_is_audited(
    department_channel: Channel, seiso_clerk: User
) -> None:
    message = post(department_channel, seiso_clerk, "収集は9時")

    actions.edit_message(message=message, editor=seiso_clerk, body="収集は10時", context=MANAGED)

    message.refresh_from_db()
    assert message.body == "収集は10時" and message.edited_at is not None and message.seq == 2
    assert list(MessageRevision.objects.values_list("change", "body")) == [("edit", "収集は9時")]
    assert AuditEntry.objects.filter(action="chat.edit", object_id=str(message.public_id)).count() == 1


def test_a_deletion_blanks_the_message_keeps_its_text_for_the_audit_and_only_the_author_may(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    message = post(department_channel, seiso_clerk, "誤送信")
    with pytest.raises(NotPermitted):
        actions.delete_message(message=message, actor=seiso_colleague, context=MANAGED)

    actions.delete_message(message=message, actor=seiso_clerk, context=MANAGED)

    message.refresh_from_db()
    assert message.is_deleted and message.body == ""
    assert MessageRevision.objects.get(change="delete").body == "誤送信"
    assert AuditEntry.objects.filter(action="chat.delete").count() == 1
    assert Event.objects.filter(type="jp.lg.civicloop.chat.message_deleted").count() == 1


def test_a_reply_joins_the_thread_and_moves_its_parent_forward(department_channel: Channel, seiso_clerk: User) -> None:
    parent = post(department_channel, seiso_clerk, "質問です")
    reply = post(department_channel, seiso_clerk, "回答です", parent=parent)

    parent.refresh_from_db()
    assert reply.parent_id == parent.pk and parent.seq == reply.seq + 1
    with pytest.raises(actions.InvalidMessage):
        post(department_channel, seiso_clerk, "返信への返信", parent=reply)


def test_deleting_a_reply_moves_it_and_its_parent_forward_with_one_claim_each(
    department_channel: Channel, seiso_clerk: User
) -> None:
    parent = post(department_channel, seiso_clerk, "質問です")
    reply = post(department_channel, seiso_clerk, "回答です", parent=parent)

    actions.delete_message(message=reply, actor=seiso_clerk, context=MANAGED)

    parent.refresh_from_db()
    reply.refresh_from_db()
    last = Channel.objects.get(pk=department_channel.pk).last_seq
    assert (reply.seq, parent.seq) == (last - 1, last)  # two numbers, no gap between or after them


def test_a_mention_reaches_a_reader_of_the_channel_but_never_someone_who_cannot_read_it(
    department_channel: Channel, seiso_clerk: User, seiso_colleague: User, outsider: User
) -> None:
    message = post(department_channel, seiso_clerk, "@clerk-b 確認お願いします。@clerk-x もどうぞ")

    assert list(Mention.objects.values_list("user__username", flat=True)) == ["clerk-b"]
    notices = Notice.objects.filter(template_code="chat.mentioned")
    assert {n.recipient_id for n in notices} == {seiso_colleague.pk}
    portal = notices.get(channel="portal")
    assert str(message.channel.public_id) in portal.body
    assert get_notice_for_user(seiso_colleague, portal.public_id, context=MANAGED) == portal  # they may open it


def test_a_mention_in_a_group_reaches_a_member_from_another_department_who_may_open_it(
    seiso_clerk: User, outsider: User
) -> None:
    group = actions.open_conversation(kind=Kind.GROUP, members=[outsider], opened_by=seiso_clerk, name="合同検討")

    post(group, seiso_clerk, "@clerk-x 資料を見てください")

    notice = Notice.objects.get(template_code="chat.mentioned", channel="portal", recipient=outsider)
    assert get_notice_for_user(outsider, notice.public_id, context=MANAGED) == notice


def test_a_reaction_toggles(department_channel: Channel, seiso_clerk: User, seiso_colleague: User) -> None:
    message = post(department_channel, seiso_clerk)
    actions.toggle_reaction(message=message, user=seiso_colleague, code="thumbs_up", context=MANAGED)
    assert Reaction.objects.count() == 1
    actions.toggle_reaction(message=message, user=seiso_colleague, code="thumbs_up", context=MANAGED)
    assert Reaction.objects.count() == 0
    with pytest.raises(actions.InvalidMessage):
        actions.toggle_reaction(message=message, user=seiso_colleague, code="skull", context=MANAGED)


def test_a_pinned_message_is_unpinned_the_second_time(department_channel: Channel, seiso_clerk: User) -> None:
    message = post(department_channel, seiso_clerk)
    assert actions.toggle_pin(message=message, user=seiso_clerk, context=MANAGED).is_pinned
    assert not actions.toggle_pin(message=message, user=seiso_clerk, context=MANAGED).is_pinned


def test_chat_refuses_top_secret_channels(seiso_clerk: User, seiso_colleague: User) -> None:
    seiso = Department.objects.get(code="seiso")
    with pytest.raises(actions.ChatRefused):
        actions.open_department_channel(
            department=seiso, name="極秘", opened_by=seiso_clerk, classification="TOP_SECRET"
        )
    with pytest.raises(actions.ChatRefused):
        actions.open_conversation(
            kind=Kind.GROUP, members=[seiso_colleague], opened_by=seiso_clerk, classification="TOP_SECRET"
        )
    assert not Channel.objects.exists()


def test_a_top_secret_case_gets_no_channel(case: Case, make_clerk: object) -> None:
    cleared = make_clerk(clearance="TOP_SECRET")  # type: ignore[operator]
    secret_case = relabel(case, "TOP_SECRET")
    with pytest.raises(NotPermitted):
        actions.open_case_channel(case=secret_case, opened_by=cleared, context=MANAGED)
    assert not Channel.objects.exists()


def test_a_case_channel_raised_to_top_secret_after_it_was_opened_is_closed_to_everyone(
    case: Case, case_channel: Channel, make_clerk: object
) -> None:
    cleared = make_clerk(clearance="TOP_SECRET")  # type: ignore[operator]
    relabel(case, "TOP_SECRET")
    channel = Channel.objects.get(pk=case_channel.pk)
    with pytest.raises(NotPermitted):
        post(channel, cleared)
    assert not Channel.objects.readable_by(cleared, MANAGED).exists()


def test_a_group_is_only_for_people_cleared_for_its_tier(seiso_clerk: User, outsider: User, make_clerk: object) -> None:
    secret_clerk = make_clerk(clearance="SECRET")  # type: ignore[operator]
    with pytest.raises(actions.ChatRefused):
        actions.open_conversation(kind=Kind.GROUP, members=[outsider], opened_by=secret_clerk, classification="SECRET")

    direct = actions.open_conversation(kind=Kind.DIRECT, members=[outsider], opened_by=seiso_clerk)
    again = actions.open_conversation(kind=Kind.DIRECT, members=[seiso_clerk], opened_by=outsider)
    assert again == direct and direct.memberships.count() == 2


def test_opening_a_case_channel_twice_returns_the_first(
    case: Case, case_channel: Channel, seiso_colleague: User
) -> None:
    assert actions.open_case_channel(case=case, opened_by=seiso_colleague, context=NO_CONTEXT) == case_channel
    assert case_channel.classification == case.classification and case_channel.name == case.application.receipt_number


def test_the_department_button_opens_one_channel_and_then_finds_it(seiso_clerk: User, seiso_colleague: User) -> None:
    seiso = Department.objects.get(code="seiso")
    first = actions.department_channel(department=seiso, opened_by=seiso_clerk)
    again = actions.department_channel(department=seiso, opened_by=seiso_colleague)
    assert again == first
    assert Channel.objects.filter(kind=Kind.DEPARTMENT, department=seiso).count() == 1
    assert first.name == seiso.name_ja and first.classification == "OFFICIAL"
