# SPDX-License-Identifier: MPL-2.0
"""The paginator pages as Django's does, and skips the COUNT only when the first page holds every row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import paginator as django_paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicloop.core.models import Event
from civicloop.core.paging import Paginator

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PER_PAGE = 3


def _events(n: int) -> None:
    Event.objects.bulk_create(
        Event(source="/t", type="t.made", subject="case/a", time=T0 + timedelta(minutes=i), data={}) for i in range(n)
    )


def _both(number: int | str | None) -> tuple[dict[str, object], dict[str, object], list[str]]:
    """The same page from Django's paginator and from ours, and the statements ours sent."""
    listed = Event.objects.order_by("time")

    def seen(page: django_paginator.Page) -> dict[str, object]:
        return {
            "rows": [e.time for e in page.object_list],
            "number": page.number,
            "count": page.paginator.count,
            "pages": page.paginator.num_pages,
            "next": page.has_next(),
            "other": page.has_other_pages(),
        }

    theirs = seen(django_paginator.Paginator(listed, PER_PAGE).get_page(number))
    with CaptureQueriesContext(connection) as sent:
        ours = seen(Paginator(listed, PER_PAGE).get_page(number))
    return theirs, ours, [q["sql"] for q in sent.captured_queries]


@pytest.mark.parametrize("rows", [0, 1, PER_PAGE])
@pytest.mark.parametrize("number", [None, "", "1", 1])
def test_a_first_page_holding_every_row_needs_no_count(rows: int, number: int | str | None) -> None:
    _events(rows)
    theirs, ours, sent = _both(number)
    assert ours == theirs
    assert len(sent) == 1 and "COUNT" not in sent[0]


@pytest.mark.parametrize("number", [None, "1", "2", "3", "99", "x", "-1"])
def test_a_longer_list_is_paged_as_django_pages_it(number: int | str | None) -> None:
    _events(2 * PER_PAGE + 1)
    theirs, ours, sent = _both(number)
    assert ours == theirs
    assert any("COUNT" in sql for sql in sent)
