# SPDX-License-Identifier: MPL-2.0
"""The documents list's create form and the versions page's diff, as a clerk sees them."""

import re
from html import unescape

import pytest
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions
from civicloop.authoring.diffing import side_by_side
from civicloop.authoring.models import Document
from civicloop.authoring.tests.conftest import MANAGED, write

pytestmark = pytest.mark.django_db


def _options(html: str, name: str) -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [
        (value, unescape(label), bool(selected))
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])
    ]


def test_the_create_form_names_tiers_in_japanese_and_chooses_ones_own_department(author: User) -> None:
    html = sign_in_with_mfa(Client(), author).get("/staff/documents/").content.decode()

    assert [label for _value, label, _ in _options(html, "classification")] == ["一般", "秘", "極秘"]
    seiso = Department.objects.get(code="seiso")
    assert _options(html, "department") == [(str(seiso.pk), seiso.name_ja, True)]  # no "---------"
    assert re.search(r'<input type="text" name="title" class="input"', html)


def test_the_create_form_and_the_list_speak_english_in_english(author: User, draft: Document) -> None:
    client = sign_in_with_mfa(Client(), author)
    client.cookies["django_language"] = "en"

    html = client.get("/staff/documents/").content.decode()

    assert [label for _value, label, _ in _options(html, "classification")] == ["OFFICIAL", "SECRET", "TOP SECRET"]
    assert _options(html, "department")[0][1] == Department.objects.get(code="seiso").name_en
    assert '<span class="classification-badge">OFFICIAL</span>' in html


def test_the_list_shows_a_documents_tier_by_its_japanese_name(author: User, draft: Document) -> None:
    html = sign_in_with_mfa(Client(), author).get("/staff/documents/").content.decode()
    assert '<span class="classification-badge">一般</span>' in html


def test_the_diff_tables_header_spans_as_many_columns_as_each_row(author: User, draft: Document) -> None:
    write(draft, author, "収集は週一回とする。")
    older = actions.create_version(document=draft, created_by=author, context=MANAGED)
    write(draft, author, "ただし年末は臨時収集を行う。")
    newer = actions.create_version(document=draft, created_by=author, context=MANAGED)

    table = str(side_by_side(older, newer))

    header = re.search(r"<thead>(.*?)</thead>", table, re.S)
    assert header
    header_columns = sum(int(span or 1) for span in re.findall(r'<th(?: colspan="(\d+)")?[^>]*>', header[1]))
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", table, re.S)[1], re.S)  # type: ignore[index]
    assert rows and {len(re.findall(r"<td", row)) for row in rows} == {header_columns} == {4}
    assert "<colgroup>" not in table
