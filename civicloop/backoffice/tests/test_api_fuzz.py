# SPDX-License-Identifier: MPL-2.0
"""schemathesis over every back-office operation as an integration client holding every scope, with
a case, an inquiry and a subscription of its own to find: no 5xx, every response as the schema says.
A few examples per operation, so it stays fast."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from civicloop.backoffice.tests.conftest import TokenFor
from civicloop.cases.models import Case
from civicloop.intelligence.models import Inquiry

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
PREFIX = "/api/v1/backoffice"


@pytest.fixture
def headers(token_for: TokenFor, case: Case, inquiry: Inquiry) -> dict[str, str]:
    """A client holding every scope, and something of its department to find."""
    return {"Authorization": f"Bearer {token_for(clearance='SECRET')}"}


@pytest.fixture
def api_schema(headers: dict[str, str]) -> Iterator[Any]:
    """In-process, keeping the test's database connection open between requests (as intelligence's
    fuzz test). After `headers`: Django's test client, which fetched the token, connects
    close_old_connections again after each of its requests."""
    application = get_wsgi_application()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_every_back_office_operation_answers_as_its_schema_says(api_schema: Any, headers: dict[str, str]) -> None:
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(PREFIX):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
    assert operations >= 20
