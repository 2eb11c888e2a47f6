# SPDX-License-Identifier: MPL-2.0
import pytest
from django.test import Client

from civicloop.intelligence import faq

pytestmark = pytest.mark.django_db


def test_the_shipped_faq_is_large_enough_and_consistent(catalog: None) -> None:
    from civicloop.accounts.models import Department
    from civicloop.catalog.models import Procedure

    entries = faq.load_entries()
    assert len(entries) >= 150
    assert len({e.id for e in entries}) == len(entries)
    departments = set(Department.objects.values_list("code", flat=True))
    procedures = dict(Procedure.objects.values_list("code", "department__code"))
    for entry in entries:
        assert entry.department in departments, entry.id
        if entry.procedure:
            assert procedures.get(entry.procedure) == entry.department, entry.id


@pytest.mark.parametrize("query", ["そだいごみ", "ソダイゴミ", "ｿﾀﾞｲｺﾞﾐ", "粗大ごみ"])
def test_the_finder_answers_however_the_words_are_written(query: str) -> None:
    hits = faq.default_index().search(query)
    assert hits and hits[0].entry.department == "seiso"


def test_the_help_page_names_the_department_and_links_the_procedure(client: Client, catalog: None) -> None:
    html = client.get("/help/", {"q": "粗大ごみを出したい"}).content.decode()
    assert "清掃リサイクル課" in html
    assert "/procedures/sodai-gomi/" in html


def test_the_faq_api(client: Client) -> None:
    results = client.get("/api/faq", {"q": "転入届"}).json()
    assert results and results[0]["department"] == "koseki_juumin"
