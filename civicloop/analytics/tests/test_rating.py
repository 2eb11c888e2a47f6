# SPDX-License-Identifier: MPL-2.0
"""The resident's satisfaction rating after the result."""

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.analytics.models import ServiceRating
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(resident: User, sodai_gomi: Procedure) -> Application:
    application, _ = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="rate-1"
    )
    Application.objects.filter(pk=application.pk).update(status=Application.Status.APPROVED)
    application.refresh_from_db()
    return application


def rate(client: Client, application: Application, score: str) -> None:
    client.post(f"/applications/{application.public_id}/rating/", {"score": score})


def test_the_resident_rates_once_after_the_result(decided: Application, resident_client: Client) -> None:
    page = resident_client.get(f"/applications/{decided.public_id}/").content.decode()
    assert 'name="score"' in page
    rate(resident_client, decided, "4")
    assert ServiceRating.objects.get(application=decided).score == 4
    event = Event.objects.get(type="jp.lg.civicloop.service.rated")
    assert event.data == {"score": 4, "procedure": "sodai-gomi", "department": "seiso"}
    rate(resident_client, decided, "1")  # a second rating changes nothing
    assert ServiceRating.objects.get(application=decided).score == 4
    assert 'name="score"' not in resident_client.get(f"/applications/{decided.public_id}/").content.decode()


def test_showing_the_form_is_no_access_of_its_own(decided: Application, resident_client: Client) -> None:
    """On a SECRET application the page's read is audited once; the form's EDIT check is a display
    hint and writes nothing, and the rating itself is audited as the EDIT it is."""
    Application.objects.filter(pk=decided.pk).update(classification="SECRET")
    about_it = AuditEntry.objects.filter(object_id=str(decided.public_id), action__startswith="access.")
    assert 'name="score"' in resident_client.get(f"/applications/{decided.public_id}/").content.decode()
    assert list(about_it.values_list("action", flat=True)) == ["access.view"]
    rate(resident_client, decided, "5")
    assert list(about_it.order_by("seq").values_list("action", flat=True)) == ["access.view", "access.edit"]


def test_no_rating_before_the_result(resident: User, sodai_gomi: Procedure, resident_client: Client) -> None:
    application, _ = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="rate-2"
    )
    assert 'name="score"' not in resident_client.get(f"/applications/{application.public_id}/").content.decode()
    rate(resident_client, application, "5")
    assert not ServiceRating.objects.exists()


@pytest.mark.parametrize("score", ["0", "6", "", "five"])
def test_a_score_outside_one_to_five_is_refused(decided: Application, resident_client: Client, score: str) -> None:
    rate(resident_client, decided, score)
    assert not ServiceRating.objects.exists()


def test_nobody_else_can_rate_it(decided: Application, other_resident: User) -> None:
    client = Client()
    client.force_login(other_resident)
    response = client.post(f"/applications/{decided.public_id}/rating/", {"score": "5"})
    assert response.status_code == 404
    assert Client().post(f"/applications/{decided.public_id}/rating/", {"score": "5"}).status_code == 404
    assert not ServiceRating.objects.exists()
