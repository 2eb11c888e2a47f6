# SPDX-License-Identifier: MPL-2.0
"""A case's BPMN instance is started after the submission commits (cases.consumer), once, and no
case waits for it: the inbox, the case page and the first step work before it exists."""

import gzip
import re
from collections.abc import Callable

from django.db import transaction
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.cases import actions, consumer, workflow
from civicloop.cases.models import Case
from civicloop.core.models import Event
from civicloop.relay.consumers import pending_for
from civicloop.relay.relay import run_pass

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def relay_all() -> None:
    while run_pass():
        pass


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_the_relay_starts_the_process_of_a_new_case_at_the_step_it_opened_at(case: Case) -> None:
    # given a case just opened by a submission: at its first step, with no instance yet
    assert case.step == "intake" and case.workflow_state is None
    # when the relay hands on the committed events
    relay_all()
    # then the instance exists and waits at that step, and the consumer is up to date
    assert workflow.waiting_for(workflow.load(refresh(case).workflow_state)) == ["intake"]
    assert pending_for("cases") == 0


def test_a_redelivered_event_leaves_the_started_process_as_it_is(case: Case) -> None:
    relay_all()
    started = bytes(refresh(case).workflow_state)
    opened = Event.objects.get(type="jp.lg.civicloop.case.opened", subject=f"case/{case.public_id}")

    with transaction.atomic():
        consumer.apply([opened])  # the relay delivers at least once

    assert bytes(refresh(case).workflow_state) == started


def test_a_case_whose_process_has_not_started_is_listed_opened_and_worked(
    case: Case, clerk: User, login: Callable[[User], Client]
) -> None:
    # given a case the relay has not reached (no worker running, or it lags)
    assert case.workflow_state is None
    client = login(clerk)
    # then it is in its department's inbox and its page opens at its step
    assert case.application.receipt_number in client.get(reverse("cases:case-list")).content.decode()
    page = client.get(reverse("cases:case-detail", args=[case.public_id]))
    assert page.status_code == 200
    # and its first step starts the instance itself
    actions.claim_case(case=case, clerk=clerk)
    claimed = refresh(case)
    assert claimed.step == "review"
    assert workflow.waiting_for(workflow.load(claimed.workflow_state)) == ["review"]


def test_the_relay_leaves_alone_a_process_its_first_step_already_started(case: Case, clerk: User) -> None:
    # given a case claimed before the relay ran: the step started the instance and moved it on
    actions.claim_case(case=case, clerk=clerk)
    # when the relay hands on the case's opening afterwards
    relay_all()
    # then the instance is the step's, not a new one at intake
    assert workflow.waiting_for(workflow.load(refresh(case).workflow_state)) == ["review"]


def _normalised(state: bytes) -> str:
    """The serialized instance with its ids numbered by first appearance and its times blanked."""
    text = gzip.decompress(state).decode()
    text = re.sub(r'"last_state_change": [0-9.e+-]+', '"last_state_change": 0', text)
    ids: dict[str, str] = {}
    return re.sub(UUID, lambda m: ids.setdefault(m.group(0), f"id-{len(ids)}"), text)


def test_the_relay_s_new_instance_is_the_engine_s_own_start_with_fresh_ids() -> None:
    # given the kept first instance of a process, handed out twice
    (one, first_tasks), (two, _) = workflow.started_state("application"), workflow.started_state("application")
    # then each is what starting the engine gives, but for ids and times
    assert _normalised(one) == _normalised(workflow.dump(workflow.start("application", {})))
    assert first_tasks == workflow.first_tasks("application") == ["intake"]
    # and no two instances share a task id, and each loads and waits at its first step
    loaded = [workflow.load(state) for state in (one, two)]
    assert not {task.id for task in loaded[0].get_tasks()} & {task.id for task in loaded[1].get_tasks()}
    assert [workflow.waiting_for(process) for process in loaded] == [["intake"], ["intake"]]
