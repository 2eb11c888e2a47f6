# SPDX-License-Identifier: MPL-2.0
"""CIVICLOOP_STATIC_HASHED=1: collectstatic writes content-hashed names, pages link to them, and
WhiteNoise serves them as immutable (docs/operations.md, "Production, one machine", step 5)."""

import json
import re
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

HASHED_CSS = re.compile(r"/static/css/civicloop\.[0-9a-f]{12}\.css")


def _staticfiles_storage_with(monkeypatch: pytest.MonkeyPatch, var_dir: Path, **env: str) -> dict[str, Any]:
    """STORAGES["staticfiles"] as config/settings.py reads it from this environment."""
    monkeypatch.setenv("CIVICLOOP_VAR_DIR", str(var_dir))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    storages: dict[str, dict[str, Any]] = runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"))["STORAGES"]
    return storages["staticfiles"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """collectstatic run once for the module with the storage CIVICLOOP_STATIC_HASHED=1 selects."""
    var_dir = tmp_path_factory.mktemp("hashed-static")
    with pytest.MonkeyPatch.context() as monkeypatch:
        staticfiles = _staticfiles_storage_with(monkeypatch, var_dir, CIVICLOOP_STATIC_HASHED="1")
    static_root = var_dir / "collected"
    storages = {**settings.STORAGES, "staticfiles": staticfiles}
    with override_settings(STORAGES=storages, STATIC_ROOT=static_root, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield static_root


def test_the_plain_storage_stays_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plain = _staticfiles_storage_with(monkeypatch, tmp_path)
    assert plain["BACKEND"] == "whitenoise.storage.CompressedStaticFilesStorage"


def test_collectstatic_writes_content_hashed_names_and_their_manifest(collected: Path) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/civicloop.css"]
    assert re.fullmatch(r"css/civicloop\.[0-9a-f]{12}\.css", hashed)
    assert (collected / hashed).read_bytes() == (settings.BASE_DIR / "static" / "css" / "civicloop.css").read_bytes()
    assert (collected / f"{hashed}.gz").exists()
    assert re.fullmatch(r"vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js", manifest["vendor/htmx/htmx.min.js"])


@pytest.mark.django_db
def test_a_rendered_page_links_to_the_hashed_names(collected: Path, client: Client) -> None:
    page = client.get("/").content.decode()
    link = HASHED_CSS.search(page)
    assert link, "the home page's stylesheet link has no content hash"
    assert (collected / link.group(0).removeprefix("/static/")).exists()
    assert 'href="/static/css/civicloop.css"' not in page


def test_whitenoise_serves_a_hashed_name_to_be_cached_for_ever(collected: Path) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    response = Client().get(f"/static/{manifest['css/civicloop.css']}")
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
