# SPDX-License-Identifier: MPL-2.0
import base64
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Department
from civicloop.backoffice import actions
from civicloop.backoffice.scopes import SCOPES
from civicloop.cases.models import Case
from civicloop.intelligence.models import Inquiry
from civicloop.testing.factories import CaseFactory, InquiryFactory

TokenFor = Callable[..., str]


def token_of(client_id: str, secret: str, scope: str = "") -> Any:
    """POST /oauth/token/ with HTTP Basic client authentication; the response for the caller to read."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return Client().post("/oauth/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")


@pytest.fixture
def register(catalog: None) -> Callable[..., actions.Registered]:
    def make(
        departments: Sequence[str] = ("seiso",),
        clearance: str = "OFFICIAL",
        scopes: Sequence[str] = tuple(SCOPES),
        rate_limit: int = 0,
    ) -> actions.Registered:
        return actions.register_client(
            name="test client",
            departments=list(Department.objects.filter(code__in=departments)),
            clearance=clearance,
            scopes=scopes,
            rate_limit_per_minute=rate_limit,
            by=None,
        )

    return make


@pytest.fixture
def token_for(register: Callable[..., actions.Registered]) -> TokenFor:
    """A bearer token of a freshly registered client: token_for(departments=…, clearance=…, scopes=…)."""

    def make(**kwargs: object) -> str:
        registered = register(**kwargs)
        response = token_of(registered.client_id, registered.client_secret)
        assert response.status_code == 200, response.content
        return str(response.json()["access_token"])

    return make


@pytest.fixture
def case(catalog: None) -> Case:
    """An OFFICIAL 粗大ごみ case of 清掃リサイクル課 (seiso)."""
    return CaseFactory.create()


@pytest.fixture
def secret_case(catalog: None) -> Case:
    made = CaseFactory.create()
    Case.objects.filter(pk=made.pk).update(classification="SECRET")
    made.refresh_from_db()
    return made


@pytest.fixture
def inquiry(catalog: None) -> Inquiry:
    return InquiryFactory.create(department=Department.objects.get(code="seiso"), status=Inquiry.Status.ROUTED)


def bearer(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
