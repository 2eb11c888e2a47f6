# SPDX-License-Identifier: MPL-2.0
"""manage.py manage_api_clients: create, list, rotate a secret, retire (and a retired client is 401 at once)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civicloop.backoffice.models import IntegrationClient
from civicloop.backoffice.tests.conftest import bearer, token_of
from civicloop.cases.models import Case
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db
CASES = "/api/v1/backoffice/cases"


def run(*args: str) -> dict[str, str]:
    out = StringIO()
    call_command("manage_api_clients", *args, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines() if "=" in line)


def listed(*args: str) -> list[list[str]]:
    out = StringIO()
    call_command("manage_api_clients", "list", *args, stdout=out)
    return [line.split("\t") for line in out.getvalue().splitlines()]


def create() -> dict[str, str]:
    return run("create", "福祉システム連携", "--department", "seiso", "--scope", "cases:read", "--rate-limit", "0")


def test_create_prints_the_secret_once_and_list_shows_the_client_without_it(catalog: None) -> None:
    created = create()
    rows = listed()
    assert token_of(created["client_id"], created["client_secret"]).status_code == 200
    assert [row[:5] for row in rows] == [
        [created["public_id"], created["client_id"], "福祉システム連携", "active", "OFFICIAL"]
    ]
    assert rows[0][5:7] == ["seiso", "cases:read"]
    assert created["client_secret"] not in "\t".join(rows[0])


def test_rotating_the_secret_stops_the_old_secret_and_its_tokens(catalog: None, case: Case) -> None:
    # given
    created = create()
    old_token = token_of(created["client_id"], created["client_secret"]).json()["access_token"]
    # when
    rotated = run("rotate-secret", created["client_id"])
    # then
    assert rotated["client_id"] == created["client_id"] and rotated["client_secret"] != created["client_secret"]
    assert token_of(created["client_id"], created["client_secret"]).status_code == 401
    assert Client().get(CASES, **bearer(old_token)).status_code == 401
    new_token = token_of(rotated["client_id"], rotated["client_secret"]).json()["access_token"]
    assert Client().get(CASES, **bearer(new_token)).status_code == 200
    assert AuditEntry.objects.filter(action="api_client.rotate_secret", object_id=created["public_id"]).exists()


def test_a_retired_client_gets_401_at_once_and_no_new_token_or_secret(catalog: None, case: Case) -> None:
    # given
    created = create()
    token = token_of(created["client_id"], created["client_secret"]).json()["access_token"]
    assert Client().get(CASES, **bearer(token)).status_code == 200
    # when: retired by its public id
    run("retire", created["public_id"])
    # then
    client = IntegrationClient.objects.select_related("service_user").get(public_id=created["public_id"])
    assert Client().get(CASES, **bearer(token)).status_code == 401
    assert token_of(created["client_id"], created["client_secret"]).status_code != 200
    assert not client.is_active and not client.service_user.is_active
    assert listed()[0][3] == "retired" and listed("--active") == []
    with pytest.raises(CommandError, match="retired"):
        run("rotate-secret", created["client_id"])


def test_an_unknown_client_or_department_is_the_operators_error(catalog: None) -> None:
    with pytest.raises(CommandError, match="no integration client"):
        run("retire", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="unknown departments"):
        run("create", "x", "--department", "nowhere", "--scope", "cases:read")
