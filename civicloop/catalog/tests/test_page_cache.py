# SPDX-License-Identifier: MPL-2.0
"""The catalogue pages kept in the cache per catalogue version (versioned_cache.py).

What is cached must never outlive the catalogue it came from, never cross languages, and never
hold anything of one visitor for another: the header, the CSRF token and the start form stay per
request.
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.catalog import related, versioned_cache, views
from civicloop.catalog.loader import load_catalog
from civicloop.catalog.models import Procedure

pytestmark = pytest.mark.django_db

NEW_NAME = "粗大ごみ戸別収集の申込（新）"


@pytest.fixture(autouse=True)
def catalogue_cache(settings: Any) -> Iterator[None]:
    """The cache on, as in production (the tests' default is off), and empty before and after."""
    settings.CATALOG_CACHE_SECONDS = 60
    cache.clear()
    versioned_cache.forget_version()
    yield
    cache.clear()
    versioned_cache.forget_version()


@pytest.fixture
def procedures_dir(tmp_path: Path) -> Path:
    target = tmp_path / "procedures"
    shutil.copytree(django_settings.PROCEDURES_DIR, target)
    load_catalog(target)
    return target


def _page(client: Client, code: str = "sodai-gomi") -> str:
    return client.get(reverse("catalog:procedure-detail", args=[code])).content.decode()


def _rename_bulky_waste(procedures_dir: Path) -> None:
    path = procedures_dir / "sodai-gomi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("ja: 粗大ごみ収集申込,", f"ja: {NEW_NAME},"))


def test_a_second_visit_is_served_without_working_out_the_related_list_again(
    client: Client, procedures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    compute = related.related_procedures

    def counted(procedure: Procedure) -> list[Procedure]:
        calls.append(procedure.code)
        return compute(procedure)

    monkeypatch.setattr(related, "related_procedures", counted)
    first, second = _page(client), _page(client)
    assert calls == ["sodai-gomi"]
    assert "転出届" in first and "転出届" in second


def test_a_catalogue_reload_shows_the_new_content_everywhere_it_was_cached(
    client: Client, procedures_dir: Path
) -> None:
    # given every kind of catalogue page seen once, and so cached
    seiso = reverse("catalog:procedure-list") + "?department=seiso"
    for url in ("/", seiso, reverse("catalog:procedure-detail", args=["sodai-gomi"])):
        client.get(url)
    assert "粗大ごみ" in _page(client, "tenshutsu")
    # when the procedure's file changes and the catalogue is loaded again
    _rename_bulky_waste(procedures_dir)
    load_catalog(procedures_dir)
    # then its page, the lists and other pages' related links show the new name
    assert f"<h1>{NEW_NAME}</h1>" in _page(client)
    assert NEW_NAME in client.get(seiso).content.decode()
    assert NEW_NAME in _page(client, "tenshutsu")
    assert NEW_NAME in _page(client, "tenkyo")


def test_a_load_by_another_process_is_seen_here_within_a_second(
    client: Client, procedures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimpleNamespace(monotonic=lambda: 1000.0)  # this process's clock, stopped
    monkeypatch.setattr(versioned_cache, "time", clock)
    assert "<h1>粗大ごみ収集申込</h1>" in _page(client)
    # given another process loads a changed catalogue: the rows change, the shared token goes
    monkeypatch.setattr(versioned_cache, "forget_version", lambda: None)  # not this process's doing
    _rename_bulky_waste(procedures_dir)
    load_catalog(procedures_dir)
    cache.delete(versioned_cache.VERSION_KEY)
    # then this process may serve what it has for up to a second, and the new page after that
    assert "<h1>粗大ごみ収集申込</h1>" in _page(client)
    clock.monotonic = lambda: 1000.0 + versioned_cache.TOKEN_SECONDS + 0.1
    assert f"<h1>{NEW_NAME}</h1>" in _page(client)


def test_a_withdrawn_procedure_leaves_the_cached_home_page(client: Client, procedures_dir: Path) -> None:
    # 清掃リサイクル課 has one procedure: withdrawn, the department has nothing to show
    assert _department_count(client.get("/").content.decode(), "清掃リサイクル課") == 1
    (procedures_dir / "sodai-gomi.yaml").unlink()
    load_catalog(procedures_dir)
    assert "清掃リサイクル課" not in client.get("/").content.decode()
    assert client.get(reverse("catalog:procedure-detail", args=["sodai-gomi"])).status_code == 404


def test_a_department_renamed_outside_a_load_is_shown_renamed(client: Client, procedures_dir: Path) -> None:
    assert "清掃リサイクル課" in client.get("/").content.decode()
    department = Department.objects.get(code="seiso")
    department.name_ja = "ごみ減量課"
    department.save()
    home = client.get("/").content.decode()
    assert "ごみ減量課" in home and "清掃リサイクル課" not in home
    assert "ごみ減量課" in _page(client)


def test_one_language_is_never_served_in_the_other(client: Client, procedures_dir: Path) -> None:
    japanese = _page(client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = _page(client)
    assert "<h1>Bulky-waste collection</h1>" in english and "Often needed together" in english
    assert "粗大ごみ収集申込" not in english
    assert "<h1>粗大ごみ収集申込</h1>" in japanese
    assert "By life event" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert "<h1>粗大ごみ収集申込</h1>" in _page(client)
    assert "ライフイベントから探す" in client.get("/").content.decode()


def test_a_signed_in_residents_page_is_never_served_to_another_visitor(
    client: Client, procedures_dir: Path, resident: User, other_resident: User
) -> None:
    # given a resident who saw the page signed in (and so filled the cache)
    client.force_login(resident)
    theirs = _page(client)
    assert "サインアウト" in theirs and "申請を始める" in theirs
    # when someone who is not signed in opens the same page
    anonymous = _page(Client())
    # then they see the signed-out header and start form, with a CSRF token of their own
    assert "サインアウト" not in anonymous and "サインインして始める" in anonymous
    assert 'href="/accounts/login/' in anonymous or "サインイン</a>" in anonymous
    assert _csrf(anonymous) != _csrf(theirs)
    other = Client()
    other.force_login(other_resident)
    assert _csrf(_page(other)) not in (_csrf(theirs), _csrf(anonymous))


def test_a_search_is_answered_from_the_catalogue_not_from_an_earlier_search(
    client: Client, procedures_dir: Path
) -> None:
    url = reverse("catalog:procedure-list")
    assert "粗大ごみ収集申込" in client.get(url, {"q": "粗大"}).content.decode()
    dog = client.get(url, {"q": "犬"}).content.decode()
    assert "粗大ごみ収集申込" not in dog and "犬の登録" in dog


def test_the_pages_are_served_from_the_database_when_the_cache_fails(
    client: Client, procedures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionError("cache down")

    for method in ("get", "add", "set", "delete"):
        monkeypatch.setattr(cache, method, down)
    assert "転出届" in _page(client)
    assert client.get("/").status_code == 200


def _csrf(html: str) -> str:
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens
    return tokens[0]


def _department_count(html: str, name: str) -> int:
    match = re.search(rf"{name}</span><span class=\"tile__meta\">(\d+)", html)
    assert match, name
    return int(match.group(1))


def test_a_search_is_made_once_per_catalogue_version(
    client: Client, procedures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, ...]] = []
    search = views._search

    def counted(*criteria: str) -> tuple[str, ...]:
        made.append(criteria)
        return search(*criteria)

    monkeypatch.setattr(views, "_search", counted)
    views._search_kept.cache_clear()

    def results(words: str) -> str:
        return client.get(reverse("catalog:procedure-list"), {"q": words}).content.decode()

    # the same words twice: searched once; other words: searched for themselves
    assert "粗大ごみ収集申込" in results("粗大") and "粗大ごみ収集申込" in results("粗大")
    assert "粗大ごみ収集申込" not in results("住民票")
    assert made == [("粗大", "", ""), ("住民票", "", "")]
    # a new catalogue is searched anew: the renamed procedure is found under its new name
    _rename_bulky_waste(procedures_dir)
    load_catalog(procedures_dir)
    assert NEW_NAME in results("粗大")
    assert made[-1] == ("粗大", "", "") and len(made) == 3
