# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.core.models import Event
from civicloop.devices import worker
from civicloop.devices.models import Device

pytestmark = pytest.mark.django_db


def test_devices_that_stop_reporting_are_marked_noncompliant_once(
    clerk: User, make_device: Callable[..., tuple[Device, str]]
) -> None:
    quiet, _t1 = make_device(clerk, Device.Kind.MANAGED)
    fresh, _t2 = make_device(clerk)
    Device.objects.filter(pk=quiet.pk).update(last_check_in_at=timezone.now() - timedelta(days=2))
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    quiet.refresh_from_db()
    fresh.refresh_from_db()
    assert not quiet.compliant and quiet.reasons == ["check_in_overdue"] and fresh.compliant
    changed = Event.objects.get(type="jp.lg.civicloop.device.trust_changed", data__cause="check_in_overdue")
    assert changed.data == {"from": "managed", "to": "noncompliant", "cause": "check_in_overdue", "kind": "managed"}
