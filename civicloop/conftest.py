# SPDX-License-Identifier: MPL-2.0
"""Fixtures shared by every app's tests: the catalogue, a small fixed cast, and request helpers."""

import runpy
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from civicloop.accounts.models import Department, User
from civicloop.catalog.loader import load_catalog
from civicloop.catalog.models import LifeEvent, Procedure, ProcedureVersion
from civicloop.core.tests.tampering import erase
from civicloop.testing.answers import VALID_SODAI_GOMI as VALID_SODAI_GOMI  # tests import it from here
from civicloop.testing.factories import ResidentFactory, StaffFactory


@pytest.fixture
def read_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """config/settings.py read afresh with the given environment variables: read_settings(DATABASE_URL=…)."""

    def read(**env: str) -> dict[str, Any]:
        monkeypatch.setenv("CIVICLOOP_DEBUG", "1")
        monkeypatch.setenv("CIVICLOOP_VAR_DIR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"), run_name="settings_under_test")

    return read


@pytest.fixture
def make_clerk(catalog: None) -> Callable[..., User]:
    """A staff member of a department at a clearance: make_clerk("kosodate_kyufu", "SECRET", username=…)."""

    def make(department: str = "seiso", clearance: str = "OFFICIAL", **fields: Any) -> User:
        return StaffFactory.create(department=department, clearance=clearance, **fields)

    return make


def uses_database(request: pytest.FixtureRequest) -> bool:
    return bool({"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"))


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's language (ja). A request made in English leaves English active
    in the thread that served it (the locale middleware activates a language; nothing deactivates
    it), so a later test on the same worker that formats a message outside a request read English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _shared_catalogue(request: pytest.FixtureRequest) -> None:
    """Every test that uses the database finds the catalogue there (`_catalogue_committed`)."""
    if uses_database(request):
        request.getfixturevalue("_catalogue_committed")


@pytest.fixture(scope="session")
def _catalogue_committed(django_db_setup: None, django_db_blocker: Any) -> None:
    """The catalogue loaded once into this worker's test database, committed, for every test: loading
    it in each test took about a second, most of the suite's time. Each test's transaction rolls back
    what it changes, so every test starts from the same catalogue; `no_catalogue` takes it away."""
    from civicloop.core.models import AuditEntry, Event

    with django_db_blocker.unblock():
        load_catalog(settings.PROCEDURES_DIR)
        # Without the loading's history: tests count events and audit entries from an empty log.
        for model in (Event, AuditEntry):
            erase(model.objects.all())


@pytest.fixture
def no_catalogue(_catalogue_committed: None, db: None) -> None:
    """No procedure, life event or department in the database (in this test's transaction): for tests
    that load a catalogue themselves and count what it wrote."""
    Procedure.objects.update(current_version=None)  # each protects the other
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    LifeEvent.objects.all().delete()
    Department.objects.all().delete()


@pytest.fixture
def catalog(_catalogue_committed: None, db: None) -> None:
    # A transactional test (pytest-django runs them after the others) empties every table when it
    # ends: the tests after it load the catalogue inside their own transaction, as before.
    if not Procedure.objects.exists():
        load_catalog(settings.PROCEDURES_DIR)


@pytest.fixture
def make_resident(db: None) -> Callable[..., User]:
    """ResidentFactory, with the database: make_resident(address=…) for a resident with more facts."""
    return ResidentFactory.create


@pytest.fixture
def resident(make_resident: Callable[..., User]) -> User:
    return make_resident()


@pytest.fixture
def other_resident(make_resident: Callable[..., User]) -> User:
    return make_resident()


@pytest.fixture
def clerk(catalog: None) -> User:
    """A clerk (係員) of 清掃リサイクル課, the department of sodai-gomi."""
    return StaffFactory.create(username="clerk", full_name="清掃 一郎", department="seiso")


@pytest.fixture(scope="session")
def signing_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One VAR_DIR for the run (for each xdist worker), so the demo CA is generated once, not per test."""
    return tmp_path_factory.mktemp("signing-var")


@pytest.fixture
def demo_signing(settings: Any, signing_var_dir: Path, tmp_path: Path) -> Path:
    """Documents signed with the demo CA and stored in this test's own folder, which is returned."""
    media = tmp_path / "media"
    settings.VAR_DIR = signing_var_dir
    settings.DEBUG = True
    settings.SIGNING_KEY_FILE = ""
    settings.SIGNING_CERT_FILE = ""
    settings.SIGNING_CHAIN_FILES = []
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


@pytest.fixture
def resident_client(resident: User) -> Client:
    client = Client()
    client.force_login(resident)
    return client


@pytest.fixture
def sodai_gomi(catalog: None) -> Procedure:
    return Procedure.objects.get(code="sodai-gomi")


@pytest.fixture
def at() -> Callable[[datetime], AbstractContextManager[Any]]:
    """`with at(moment):` — timezone.now() is `moment` for everything inside (deadlines, expiries)."""

    def freeze(moment: datetime) -> AbstractContextManager[Any]:
        return mock.patch("django.utils.timezone.now", return_value=moment)

    return freeze
