# SPDX-License-Identifier: MPL-2.0
"""The case page's compiled reads return what the related managers returned, relations included."""

from collections.abc import Callable

import pytest

from civicloop.accounts.models import User
from civicloop.cases import actions, page_reads
from civicloop.cases.models import Case

pytestmark = pytest.mark.django_db


def test_the_compiled_lists_are_the_related_managers_lists_with_their_relations_loaded(
    case: Case, clerk: User, django_assert_num_queries: Callable[..., object]
) -> None:
    # given a claimed case with two comments
    actions.claim_case(case=case, clerk=clerk)
    actions.add_comment(case=case, author=clerk, body="一つ目")
    actions.add_comment(case=case, author=clerk, body="二つ目")
    # when the page reads its tasks and comments (each one statement)
    with django_assert_num_queries(2):  # type: ignore[operator]
        tasks = page_reads.tasks(case=case)
        comments = page_reads.comments(case=case)
    # then they are the related managers' rows, in their order
    assert [t.pk for t in tasks] == [t.pk for t in case.tasks.all()]
    assert [c.body for c in comments] == ["一つ目", "二つ目"]
    # and what the template reads needs no further statement: the case is the one given, the people joined
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert all(t.case is case for t in tasks)
        assert [c.author.display_name for c in comments] == [clerk.display_name] * 2
        assert any(t.completed_by == clerk for t in tasks)
