# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import Department, Position, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications import actions as application_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.documents import issue


@pytest.fixture
def case(resident: User, sodai_gomi: Procedure) -> Case:
    """The resident's submitted bulky-waste application, and so its case in 清掃リサイクル課."""
    application, _created = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="key-00000001"
    )
    return Case.objects.get(application=application)


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A client signed in as `user`; staff as if through /staff/login/ with their second factor."""

    def signed_in(user: User) -> Client:
        client = Client()
        if user.is_back_office:
            return sign_in_with_mfa(client, user)
        client.force_login(user)
        return client

    return signed_in


ISSUED: list[tuple[str, str]] = []


def fake_issue(case: Case, *, kind: str, issued_by: User, outcome: str, reason: str = "") -> None:
    ISSUED.append((str(case.public_id), kind))


@pytest.fixture
def fake_results(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Results are recorded instead of rendered and signed; the list holds (case id, document kind)."""
    ISSUED.clear()
    monkeypatch.setattr(issue, "issue_document", fake_issue)
    yield ISSUED


@pytest.fixture
def staff(catalog: None) -> Callable[..., User]:
    def make(username: str, position: str = Position.CLERK, department: str = "seiso", **fields: Any) -> User:
        user = User.objects.create(
            username=username, kind=User.Kind.STAFF, full_name=username, position=position, **fields
        )
        user.departments.add(Department.objects.get(code=department))
        return user

    return make


@pytest.fixture
def chiefs(staff: Callable[..., User]) -> tuple[User, User]:
    """A 係長 and a 課長 of 清掃リサイクル課, the approval route of most applications there."""
    return staff("kakari", Position.KAKARICHO), staff("ka", Position.KACHO)
