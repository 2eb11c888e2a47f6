# SPDX-License-Identifier: MPL-2.0
"""Every operation of the back-office API, called by three clients that must get nothing: one
without the operation's scope, one of another department, and one whose clearance is below the
SECRET case. Each gets 403 or 404 and no byte of the object (docs/api.md, "Access").

The operations are read from the OpenAPI document, so a new one is in this matrix the moment it exists.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils.timezone import now

from civicloop.accounts.models import User
from civicloop.backoffice.scopes import SCOPES
from civicloop.backoffice.tests.conftest import TokenFor, bearer
from civicloop.cases.models import Case, Consultation
from civicloop.intelligence.models import Inquiry
from civicloop.relay import actions as relay_actions
from config.api import api

PREFIX = "/api/v1/backoffice"
BODIES: dict[str, dict[str, Any]] = {
    "/cases/{case_id}/assign": {"assignee": "00000000-0000-0000-0000-000000000000"},
    "/cases/{case_id}/correction": {"fields": [], "attachments": [], "reason": "写真が不鮮明です"},
    "/cases/{case_id}/review": {"outcome": "approve"},
    "/cases/{case_id}/comments": {"body": "確認しました"},
    "/cases/{case_id}/approval": {"decision": "approve"},
    "/cases/{case_id}/post-review": {"round": 1, "order": 0},
    "/consultations/{consultation_id}/answer": {"opinion": "agree"},
    "/inquiries/{inquiry_id}/answer": {"answer": "回答します"},
    "/inquiries/{inquiry_id}/reroute": {"department": "seiso", "reason": "担当課へ"},
    "/webhooks": {"name": "matrix", "url": "https://example.org/hook"},
    "/webhooks/{subscription_id}": {"name": "matrix", "url": "https://example.org/hook"},
}
CALLERS: dict[str, Callable[[TokenFor, str], str]] = {
    "without the scope": lambda token_for, scope: token_for(
        departments=("seiso",), clearance="SECRET", scopes=[s for s in SCOPES if s != scope]
    ),
    "of another department": lambda token_for, scope: token_for(
        departments=("kosodate_kyufu",), clearance="SECRET", scopes=list(SCOPES)
    ),
    "without clearance for SECRET": lambda token_for, scope: token_for(
        departments=("seiso",), clearance="OFFICIAL", scopes=list(SCOPES)
    ),
}


def declared_scope(operation: dict[str, Any]) -> str:
    """The OAuth2 scope the operation declares in the OpenAPI document (test_scopes: the one it enforces)."""
    [scope] = next(need["ClientCredentials"] for need in operation["security"] if "ClientCredentials" in need)
    return str(scope)


@pytest.fixture
def targets(secret_case: Case, inquiry: Inquiry, clerk: User) -> dict[str, str]:
    """A SECRET case and a SECRET inquiry of seiso, a 合議 asked of seiso about the SECRET case, and a
    webhook subscription someone else owns."""
    Inquiry.objects.filter(pk=inquiry.pk).update(classification="SECRET")
    clerk.is_superuser = True  # the admin's permission to register a subscription
    clerk.save(update_fields=["is_superuser"])
    others = relay_actions.register_subscription(name="theirs", url="https://example.org/theirs", by=clerk)
    consultation = Consultation.objects.create(
        case=secret_case, department=secret_case.department, question="意見を", requested_by=clerk, requested_at=now()
    )
    return {
        "case_id": str(secret_case.public_id),
        "consultation_id": str(consultation.public_id),
        "inquiry_id": str(inquiry.public_id),
        "document_id": str(secret_case.public_id),  # no such document: 404 as for a refused one
        "attachment_id": str(secret_case.public_id),  # nor such an attachment
        "subscription_id": str(others.public_id),
    }


def _expected(caller: str, method: str, path: str) -> set[int]:
    if caller == "without the scope":
        return {403}
    if "{" not in path:  # a list (empty: nothing of theirs), or one's own new subscription
        return {200} if method == "get" else {201}
    return {403, 404}


@pytest.mark.django_db
@pytest.mark.parametrize("caller", list(CALLERS))
def test_no_client_outside_the_rules_gets_anything_from_any_operation(
    caller: str, token_for: TokenFor, targets: dict[str, str]
) -> None:
    # given: one token per scope for this caller
    tokens: dict[str, str] = {}
    client = Client()
    checked = 0
    for path, methods in api.get_openapi_schema()["paths"].items():
        if not path.startswith(PREFIX):
            continue
        short = path.removeprefix(PREFIX)
        for method, operation in methods.items():
            scope = declared_scope(operation)
            if scope not in tokens:
                tokens[scope] = CALLERS[caller](token_for, scope)
            body = BODIES.get(short)
            # when
            response = client.generic(
                method.upper(),
                path.format(**targets),
                data=json.dumps(body) if body is not None else "",
                content_type="application/json",
                **bearer(tokens[scope]),
            )
            # then
            assert response.status_code in _expected(caller, method, short), (method, short, response.content)
            if "{" not in short and method == "get" and caller != "without the scope":
                assert response.json() == [], short
            for target in targets.values():
                assert target.encode() not in response.content, (method, short)
            checked += 1
    assert checked >= 20
