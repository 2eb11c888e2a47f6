# SPDX-License-Identifier: MPL-2.0
"""The service account of an integration client (civicloop.backoffice) is no evaluator to name."""

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.backoffice import actions
from civicloop.procurement.models import Tender
from civicloop.procurement.tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_no_service_account_is_offered_or_taken_as_a_tender_evaluator(cast: Cast, tender: Tender) -> None:
    # given: a client of the buying department (procurement's own cast of departments)
    service = actions.register_client(
        name="調達システム連携",
        departments=[Department.objects.get(code="dx")],
        clearance="OFFICIAL",
        scopes=["cases:read"],
        rate_limit_per_minute=0,
        by=None,
    ).client.service_user
    browser = sign_in_with_mfa(Client(), cast.buyer)
    # when
    page = browser.get(reverse("procurement:staff-tender-detail", args=[tender.public_id])).content.decode()
    step = reverse("procurement:staff-tender-step", args=[tender.public_id, "assign"])
    browser.post(step, {"user": service.pk})
    browser.post(step, {"user": cast.evaluator.pk})  # as a picked colleague is taken
    # then
    assert f'<option value="{cast.evaluator.pk}">' in page and f'<option value="{service.pk}">' not in page
    assert list(tender.evaluators.values_list("user", flat=True)) == [cast.evaluator.pk]
