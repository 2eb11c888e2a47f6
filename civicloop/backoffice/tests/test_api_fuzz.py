# SPDX-License-Identifier: MPL-2.0
"""schemathesis over every back-office operation as an integration client holding every scope, with
a case, an inquiry and a subscription of its own to find: no 5xx, every response as the schema says.
A few examples per operation, so it stays fast."""

from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from civicloop.backoffice.tests.conftest import TokenFor
from civicloop.cases.models import Case
from civicloop.intelligence.models import Inquiry
from civicloop.testing.fuzz import api_schema, fuzz

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
PREFIX = "/api/v1/backoffice"


@pytest.fixture
def headers(token_for: TokenFor, case: Case, inquiry: Inquiry) -> dict[str, str]:
    """A client holding every scope, and something of its department to find."""
    return {"Authorization": f"Bearer {token_for(clearance='SECRET')}"}


@pytest.fixture
def schema(headers: dict[str, str]) -> Iterator[Any]:
    """After `headers`: the token was fetched with Django's test client (civicloop.testing.fuzz)."""
    with api_schema() as loaded:
        yield loaded


@pytest.mark.django_db
def test_every_back_office_operation_answers_as_its_schema_says(schema: Any, headers: dict[str, str]) -> None:
    assert fuzz(schema, checks=CHECKS, max_examples=4, prefix=PREFIX, headers=headers) >= 20
