# SPDX-License-Identifier: MPL-2.0
"""Fixtures shared by every app's tests: the catalogue, a small fixed cast, and request helpers."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.catalog.loader import load_catalog
from civicloop.catalog.models import Procedure
from civicloop.core.calendar import add_business_days


@pytest.fixture
def catalog(db: None) -> None:
    load_catalog(settings.PROCEDURES_DIR)


@pytest.fixture
def make_resident(db: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(**fields: object) -> User:
        n = next(counter)
        return User.objects.create(
            username=f"resident-{n}", kind=User.Kind.RESIDENT, email=f"r{n}@example.jp", full_name=f"住民 {n}", **fields
        )

    return make


@pytest.fixture
def resident(make_resident: Callable[..., User]) -> User:
    return make_resident()


@pytest.fixture
def other_resident(make_resident: Callable[..., User]) -> User:
    return make_resident()


@pytest.fixture
def clerk(catalog: None) -> User:
    user = User.objects.create(username="clerk", kind=User.Kind.STAFF, full_name="清掃 一郎")
    user.departments.add(Department.objects.get(code="seiso"))
    return user


@pytest.fixture
def resident_client(resident: User) -> Client:
    client = Client()
    client.force_login(resident)
    return client


@pytest.fixture
def sodai_gomi(catalog: None) -> Procedure:
    return Procedure.objects.get(code="sodai-gomi")


VALID_SODAI_GOMI = {
    "applicant": {"family": "𠮷田", "given": "太郎", "family_kana": "ヨシダ", "given_kana": "タロウ"},
    "contact": {"phone": "03-1234-5678"},
    "items": [{"item": "sofa", "quantity": 1}],
    "collection": {
        "address": {
            "postal_code": "150-0042",
            "prefecture": "東京都",
            "city": "渋谷区",
            "town": "宇田川町",
            "block": "1-1",
        },
        # sodai-gomi.yaml asks for a working day at least 7 days ahead (x-date-rule), so the date moves with today.
        "preferred_date": add_business_days(datetime.now(ZoneInfo("Asia/Tokyo")).date(), 7).isoformat(),
    },
}
