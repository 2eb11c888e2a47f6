# SPDX-License-Identifier: MPL-2.0
"""Helpers for the analytics tests: events made to order, and fresh caches for every test."""

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.analytics.procedures import reset_cache
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event


@pytest.fixture(autouse=True)
def fresh_caches(settings: Any) -> Iterator[None]:
    settings.ANALYTICS_CACHE_SECONDS = 0
    cache.clear()
    reset_cache()
    yield
    cache.clear()
    reset_cache()


def event(kind: str, subject: str, at: datetime, data: dict[str, Any], classification: str = "OFFICIAL") -> Event:
    """An Event row as the relay hands it over (not saved: the consumer needs none of the database)."""
    return Event(
        id=uuid.uuid4(),
        source="urn:lg:131130",
        type=TYPE_PREFIX + kind,
        subject=subject,
        time=at,
        data=data,
        classification=classification,
    )


def case_events(
    procedure: str,
    department: str,
    opened: datetime,
    *,
    days: int = 3,
    classification: str = "OFFICIAL",
    channel: str = "online",
    assignee: str = "",
    overdue: bool = False,
) -> list[Event]:
    """The events of one application from submission to decision, `days` after arrival."""
    application, case = uuid.uuid4(), uuid.uuid4()
    due = (opened + timedelta(days=10)).date().isoformat()
    closed = opened + timedelta(days=days)
    return [
        event(
            "application.submitted",
            f"application/{application}",
            opened,
            {"procedure": procedure, "department": department, "channel": channel},
            classification,
        ),
        event(
            "case.opened",
            f"case/{case}",
            opened + timedelta(seconds=1),
            {"application": str(application), "department": department, "procedure": procedure, "due_date": due},
            classification,
        ),
        event(
            "case.claimed",
            f"case/{case}",
            opened + timedelta(hours=2),
            {"department": department, "assignee": assignee},
            classification,
        ),
        event(
            "case.task_completed",
            f"case/{case}",
            opened + timedelta(hours=2),
            {"task": "intake", "department": department, "procedure": procedure, "duration_s": 7200},
            classification,
        ),
        event(
            "case.decided",
            f"case/{case}",
            closed,
            {"outcome": "approve", "department": department, "overdue": overdue},
            classification,
        ),
        event(
            "document.issued",
            f"document/{uuid.uuid4()}",
            closed,
            {"case": str(case), "kind": "decision_notice"},
            classification,
        ),
    ]


@pytest.fixture
def recent() -> datetime:
    """Noon on the 10th of last month: inside the dashboards' default period whatever today is."""
    first = timezone.localdate().replace(day=1) - timedelta(days=1)
    return timezone.make_aware(datetime(first.year, first.month, 10, 12, 0))


@pytest.fixture
def staff_client() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        return sign_in_with_mfa(Client(), user)

    return make


@pytest.fixture
def koseki_clerk(catalog: None) -> User:
    user = User.objects.create(username="clerk-k", kind=User.Kind.STAFF, full_name="戸籍 花")
    user.departments.add(Department.objects.get(code="koseki_juumin"))
    return user
