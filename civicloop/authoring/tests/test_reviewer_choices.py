# SPDX-License-Identifier: MPL-2.0
"""The service account of an integration client (civicloop.backoffice) is no reviewer to ask."""

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.authoring import actions
from civicloop.authoring.models import Document
from civicloop.backoffice import actions as clients
from civicloop.classification.policy import NO_CONTEXT

pytestmark = pytest.mark.django_db


def test_the_reviewer_list_offers_colleagues_and_no_service_account(
    draft: Document, author: User, colleague: User
) -> None:
    # given: a version to review, and a client of the same department
    version = actions.create_version(document=draft, created_by=author, context=NO_CONTEXT)
    service = clients.register_client(
        name="文書連携",
        departments=[Department.objects.get(code="seiso")],
        clearance="OFFICIAL",
        scopes=["cases:read"],
        rate_limit_per_minute=0,
        by=None,
    ).client.service_user
    browser = sign_in_with_mfa(Client(), author)
    # when
    page = browser.get(reverse("authoring:version-list", args=[draft.public_id])).content.decode()
    request_review = reverse("authoring:review-request", args=[version.public_id])
    browser.post(request_review, {"reviewers": [service.pk]})
    browser.post(request_review, {"reviewers": [colleague.pk]})  # as a colleague is asked
    # then
    assert f'value="{colleague.pk}"' in page and f'value="{service.pk}"' not in page
    assert list(version.reviews.values_list("reviewer", flat=True)) == [colleague.pk]
