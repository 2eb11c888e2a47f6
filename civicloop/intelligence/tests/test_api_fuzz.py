# SPDX-License-Identifier: MPL-2.0
"""schemathesis over every operation of /api/openapi.json, as a resident and as a member of staff:
no 5xx, and every response matches the schema. A bounded number of examples per operation.

It lives here because /api/routing/suggest needs a trained routing model (this app's fixture).
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_schema(catalog: None, routing_model: Any) -> Iterator[Any]:
    """The app called in-process. As Django's own test client does, the end of each request must
    not close the database connection, which holds the test's transaction (PostgreSQL). Django's
    handler itself, not config.wsgi: that refuses to start with the demo on and DEBUG off, and
    pytest-django turns DEBUG off."""
    application = get_wsgi_application()

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


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
    """Every operation, a few generated requests each (schemathesis's pytest plugin predates pytest 9)."""
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: Any) -> None:
            case.call_and_validate(cookies=cookies, checks=CHECKS)

        run()
    return operations


@pytest.mark.django_db
def test_every_operation_as_a_resident(api_schema: Any, resident_cookies: dict[str, str]) -> None:
    assert _fuzz(api_schema, resident_cookies) >= 5


@pytest.mark.django_db
def test_every_operation_as_staff(api_schema: Any, staff_cookies: dict[str, str]) -> None:
    assert _fuzz(api_schema, staff_cookies) >= 5
