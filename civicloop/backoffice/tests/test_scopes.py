# SPDX-License-Identifier: MPL-2.0
"""Each back-office operation declares its OAuth2 scope in the OpenAPI document, and that is the
scope the code enforces: a token holding every other scope is refused (403), a token holding only
that one gets past the scope check. The operations are read from the document, so a new one is
checked the moment it exists."""

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from civicloop.backoffice.scopes import SCOPES
from civicloop.backoffice.tests.conftest import TokenFor, bearer
from civicloop.backoffice.tests.test_access_matrix import BODIES, PREFIX, declared_scope
from config.api import api


def back_office_operations() -> list[tuple[str, str, dict[str, Any]]]:
    paths = api.get_openapi_schema()["paths"]
    return [
        (path, method, operation)
        for path, methods in paths.items()
        if path.startswith(PREFIX)
        for method, operation in methods.items()
    ]


def test_every_operation_declares_one_known_scope_and_the_session_alternative() -> None:
    schema = api.get_openapi_schema()
    flow = schema["components"]["securitySchemes"]["ClientCredentials"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token/" and set(flow["scopes"]) == set(SCOPES)
    operations = back_office_operations()
    assert len(operations) >= 25
    for path, method, operation in operations:
        assert declared_scope(operation) in SCOPES, (method, path)
        assert {"StaffSession": []} in operation["security"], (method, path)


def _call(client: Client, path: str, method: str, token: str) -> Any:
    short = path.removeprefix(PREFIX)
    ids = {name: str(uuid.uuid4()) for name in ("case_id", "document_id", "attachment_id", "inquiry_id")}
    ids |= {"consultation_id": str(uuid.uuid4()), "subscription_id": str(uuid.uuid4())}
    body = BODIES.get(short)
    return client.generic(
        method.upper(),
        path.format(**ids),
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **bearer(token),
    )


@pytest.mark.django_db
def test_the_scope_each_operation_declares_is_the_one_it_enforces(token_for: TokenFor) -> None:
    # given: per scope, a client holding only it and a client holding all the others
    only = {scope: token_for(scopes=[scope]) for scope in SCOPES}
    all_but = {scope: token_for(scopes=[s for s in SCOPES if s != scope]) for scope in SCOPES}
    client = Client()
    for path, method, operation in back_office_operations():
        scope = declared_scope(operation)
        # when
        refused = _call(client, path, method, all_but[scope])
        admitted = _call(client, path, method, only[scope])
        # then
        assert refused.status_code == 403 and scope in refused.json()["detail"], (method, path, refused.content)
        assert admitted.status_code not in {401, 403}, (method, path, admitted.content)
