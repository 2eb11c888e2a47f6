# SPDX-License-Identifier: MPL-2.0
"""A small cast for chat: clerks of 清掃リサイクル課 (seiso) and 子育て給付課 (kosodate_kyufu), a case, channels."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.classification.policy import NO_CONTEXT, Context, DeviceTrust
from civicloop.collab import actions
from civicloop.collab.models import Channel, Message
from civicloop.collab.rules import Kind
from civicloop.testing.factories import CaseFactory

DEVICE_HEADER = "HTTP_X_TEST_DEVICE_TRUST"
MANAGED = Context(device_trust=DeviceTrust.MANAGED)


@pytest.fixture
def device_header(settings: Any) -> str:
    """Requests name their device posture with the X-Test-Device-Trust header (as in the access matrix)."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "civicloop.classification.tests.conftest.DeviceHeaderMiddleware"]
    return DEVICE_HEADER


@pytest.fixture
def seiso_clerk(make_clerk: Callable[..., User]) -> User:
    return make_clerk(username="clerk-a", full_name="清掃 一郎")


@pytest.fixture
def seiso_colleague(make_clerk: Callable[..., User]) -> User:
    return make_clerk(username="clerk-b", full_name="清掃 花子")


@pytest.fixture
def outsider(make_clerk: Callable[..., User]) -> User:
    return make_clerk(department="kosodate_kyufu", username="clerk-x", full_name="子育 太郎")


@pytest.fixture
def department_channel(seiso_clerk: User) -> Channel:
    return actions.open_department_channel(
        department=Department.objects.get(code="seiso"), name="清掃リサイクル課", opened_by=seiso_clerk
    )


@pytest.fixture
def case(catalog: None) -> Case:
    return CaseFactory.create()


@pytest.fixture
def case_channel(case: Case, seiso_clerk: User) -> Channel:
    return actions.open_case_channel(case=case, opened_by=seiso_clerk, context=NO_CONTEXT)


def post(channel: Channel, author: User, body: str = "収集日を確認しました", **kwargs: Any) -> Message:
    return actions.post_message(channel=channel, author=author, body=body, context=MANAGED, **kwargs)


def signed_in(user: User) -> Client:
    return sign_in_with_mfa(Client(), user)


def relabel(case: Case, tier: str) -> Case:
    from civicloop.classification import family

    with transaction.atomic():
        family.relabel_family(case, new=tier)
    return Case.objects.select_related("department").get(pk=case.pk)


__all__ = ["Kind"]
