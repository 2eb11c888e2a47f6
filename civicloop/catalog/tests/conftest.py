# SPDX-License-Identifier: MPL-2.0
"""The catalogue's own tests load procedures themselves and count what loading wrote: they start
without the catalogue every other test has (civicloop/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _without_the_shared_catalogue(request: pytest.FixtureRequest) -> None:
    uses_db = {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db")
    if uses_db:
        request.getfixturevalue("no_catalogue")
