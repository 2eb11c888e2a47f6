# SPDX-License-Identifier: MPL-2.0
"""schemathesis over every operation of /api/openapi.json, as a resident and as a member of staff:
no 5xx, and every response matches the schema. A bounded number of examples per operation.

It lives here because /api/routing/suggest needs a trained routing model (this app's fixture).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.testing import fuzz as fuzzing

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_schema(catalog: None, routing_model: Any) -> Iterator[Any]:
    with fuzzing.api_schema() as schema:
        yield schema


def _cookies(client: Client) -> dict[str, str]:
    return {name: morsel.value for name, morsel in client.cookies.items()}


@pytest.fixture
def staff_cookies(catalog: None) -> dict[str, str]:
    clerk = User.objects.create(username="fuzz-clerk", kind=User.Kind.STAFF)
    clerk.departments.add(Department.objects.get(code="seiso"))
    return _cookies(sign_in_with_mfa(Client(), clerk))


@pytest.fixture
def resident_cookies(resident: User) -> dict[str, str]:
    client = Client()
    client.force_login(resident)
    return _cookies(client)


def _fuzz(api_schema: Any, cookies: dict[str, str]) -> int:
    return fuzzing.fuzz(api_schema, checks=CHECKS, max_examples=6, cookies=cookies)


@pytest.mark.django_db
def test_every_operation_as_a_resident(api_schema: Any, resident_cookies: dict[str, str]) -> None:
    assert _fuzz(api_schema, resident_cookies) >= 5


@pytest.mark.django_db
def test_every_operation_as_staff(api_schema: Any, staff_cookies: dict[str, str]) -> None:
    assert _fuzz(api_schema, staff_cookies) >= 5
