# SPDX-License-Identifier: MPL-2.0
"""The catalogue's own tests load procedures themselves and count what loading wrote: they start
without the catalogue every other test has (civicloop/conftest.py)."""

import pytest

from civicloop.conftest import uses_database


@pytest.fixture(autouse=True)
def _without_the_shared_catalogue(request: pytest.FixtureRequest) -> None:
    if uses_database(request):
        request.getfixturevalue("no_catalogue")
