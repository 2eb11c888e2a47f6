# SPDX-License-Identifier: MPL-2.0
"""「あわせて必要になることが多い手続き」 shows related procedures, never unrelated ones (issue 11)."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import reverse

from civicloop.catalog.loader import CatalogError, load_catalog, read_catalog
from civicloop.catalog.models import Procedure

pytestmark = pytest.mark.django_db

HEADING_JA = "あわせて必要になることが多い手続き"


def _related_section(client: Client, code: str, heading: str = HEADING_JA) -> str:
    html = client.get(reverse("catalog:procedure-detail", args=[code])).content.decode()
    return html.split(heading, 1)[1].split("</ul>", 1)[0] if heading in html else ""


@pytest.fixture
def procedures_dir(tmp_path: Path) -> Path:
    target = tmp_path / "procedures"
    shutil.copytree(settings.PROCEDURES_DIR, target)
    return target


def test_bulky_waste_offers_the_moving_notifications_and_nothing_unrelated(client: Client, catalog: None) -> None:
    section = _related_section(client, "sodai-gomi")
    assert "転出届" in section and "転居届" in section
    for unrelated in ("道路占用許可", "保育施設", "犬の登録", "児童扶養手当"):
        assert unrelated not in section


def test_the_english_page_lists_the_same_procedures_in_english(client: Client, catalog: None) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    section = _related_section(client, "sodai-gomi", heading="Often needed together")
    assert "Moving-out notification" in section
    assert "Road-occupancy permit" not in section


def test_a_procedure_reviewed_as_having_none_shows_no_section(client: Client, catalog: None) -> None:
    html = client.get(reverse("catalog:procedure-detail", args=["doro-senyo"])).content.decode()
    assert HEADING_JA not in html


def test_every_shipped_procedure_has_a_reviewed_related_list_of_published_procedures() -> None:
    catalog = read_catalog(settings.PROCEDURES_DIR)
    codes = {definition["code"] for _path, definition in catalog.definitions}
    assert len(codes) == 31
    for _path, definition in catalog.definitions:
        assert "related" in definition, definition["code"]
        assert set(definition["related"]) <= codes - {definition["code"]}


def test_without_a_curated_list_only_clearly_related_procedures_are_shown(client: Client, procedures_dir: Path) -> None:
    # given a catalogue in which nobody has curated any related list
    for path in procedures_dir.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "related" in data:
            del data["related"]
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_catalog(procedures_dir)
    # when residents open procedure pages, then the measured relevance shows close relatives…
    child_allowance = _related_section(client, "jido-teate")
    assert "子ども医療費助成" in child_allowance and "出生届" in child_allowance
    assert "粗大ごみ" not in child_allowance and "道路" not in child_allowance
    assert "要介護・要支援認定申請" in _related_section(client, "kaigo-jutaku-kaishu")
    # …and nothing at all where nothing is close, rather than whatever shares a life event
    assert _related_section(client, "sodai-gomi") == ""
    assert _related_section(client, "risai-shomei") == ""


def test_a_related_list_naming_an_unknown_procedure_is_refused_at_load(procedures_dir: Path) -> None:
    path = procedures_dir / "sodai-gomi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("related: [", "related: [no-such-thing, "))
    with pytest.raises(CatalogError, match="related/0: unknown procedure 'no-such-thing'"):
        load_catalog(procedures_dir)
    assert not Procedure.objects.exists()
