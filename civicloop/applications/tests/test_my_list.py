# SPDX-License-Identifier: MPL-2.0
"""「申請一覧」: a resident's own applications, in a bounded number of queries however many there are."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.testing.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _queries(client: Client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("applications:application-list"))
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_list_costs_the_same_queries_for_one_application_as_for_twelve(
    client: Client, catalog: None, resident: User
) -> None:
    # given a resident with one submitted application
    client.force_login(resident)
    first = ApplicationFactory.create(applicant=resident)
    one, _html = _queries(client)
    # when they have eleven more
    more = [ApplicationFactory.create(applicant=resident) for _ in range(11)]
    twelve, html = _queries(client)
    # then the page lists them all, with the procedure's name, for no more queries
    assert twelve == one
    for application in [first, *more]:
        assert application.receipt_number and application.receipt_number in html
    assert html.count("粗大ごみ収集申込") >= 12
