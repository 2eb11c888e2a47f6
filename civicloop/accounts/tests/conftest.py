# SPDX-License-Identifier: MPL-2.0
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from civicloop.accounts.models import User
from civicloop.accounts.testing import give_totp

PASSWORD = "a-long-staff-password-for-tests"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate limits and used TOTP codes live in the cache, which outlives a test's database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_with_password(clerk: User) -> User:
    clerk.set_password(PASSWORD)
    clerk.save()
    return clerk


@pytest.fixture
def totp_secret(staff_with_password: User) -> str:
    return give_totp(staff_with_password)
