# SPDX-License-Identifier: MPL-2.0
from typing import Any

import pytest
from django.db import transaction

from civicloop.core import events
from civicloop.core.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_refuses_to_record_outside_a_transaction() -> None:
    with pytest.raises(events.NotInTransaction):
        events.record("thing.happened", subject="thing/1", data={})
    assert not Event.objects.exists()


def test_it_records_a_cloudevent_with_the_municipality_as_source(settings: Any) -> None:
    settings.LG_CODE = "131130"
    with transaction.atomic():
        event = events.record("thing.happened", subject="thing/1", data={"n": 1}, classification="SECRET")
    shaped = Event.objects.get(pk=event.pk).as_cloudevent()
    assert shaped["specversion"] == "1.0"
    assert shaped["source"] == "urn:lg:131130"
    assert shaped["type"] == "jp.lg.civicloop.thing.happened"
    assert shaped["classification"] == "SECRET"
    assert shaped["data"] == {"n": 1}


def test_an_event_rolls_back_with_the_change_and_subscribers_run_inside() -> None:
    seen: list[str] = []
    events.subscribe("thing.rolled")(lambda event: seen.append(event.subject))
    with pytest.raises(RuntimeError), transaction.atomic():
        events.record("thing.rolled", subject="thing/2", data={})
        raise RuntimeError("the change failed")
    assert seen == ["thing/2"]
    assert not Event.objects.filter(subject="thing/2").exists()
