# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Role, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.devices import actions
from civicloop.devices.compliance import Posture
from civicloop.devices.models import Device


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def administrator(catalog: None) -> User:
    return User.objects.create(username="it-admin", kind=User.Kind.STAFF, roles=[Role.ADMINISTRATOR])


@pytest.fixture
def security_officer(catalog: None) -> User:
    return User.objects.create(username="ciso", kind=User.Kind.STAFF, roles=[Role.SECURITY_OFFICER])


def good_posture(**changes: object) -> Posture:
    values: dict[str, object] = {
        "os": "macOS",
        "os_version": "15.1",
        "patch_level": timezone.localdate() - timedelta(days=3),
        "disk_encrypted": True,
        "screen_lock": True,
        "jailbroken": False,
        "agent_version": "fake/1",
    }
    values.update(changes)
    return Posture(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_device(administrator: User, security_officer: User) -> Callable[..., tuple[Device, str]]:
    """A registered device of `owner` and its token, approved by someone else and checked in with a
    good posture, unless told otherwise."""

    def make(
        owner: User, kind: str = Device.Kind.BYOD, *, checked_in: bool = True, approved: bool = True
    ) -> tuple[Device, str]:
        device, token = actions.register_device(
            owner=owner,
            kind=kind,
            name=f"{kind} of {owner.username}",
            platform=Device.Platform.MACOS,
            registered_by=administrator if kind == Device.Kind.MANAGED else owner,
        )
        if approved and not device.is_approved:
            approver = security_officer if owner == administrator else administrator
            device = actions.approve_device(device=device, by=approver)
        if checked_in:
            device = actions.check_in_device(device=device, posture=good_posture())
        return device, token

    return make


@pytest.fixture
def staff_client() -> Callable[[User], Client]:
    return lambda user: sign_in_with_mfa(Client(), user)


PATCHED_LONG_AGO = date(2020, 1, 1)
