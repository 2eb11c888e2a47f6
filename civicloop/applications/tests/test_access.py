# SPDX-License-Identifier: MPL-2.0
"""A resident never sees another resident's application: not by URL, id, receipt number, file or API."""

from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, User
from civicloop.applications import actions
from civicloop.applications.models import Application, Attachment
from civicloop.catalog.models import Procedure
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.conftest import VALID_SODAI_GOMI

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(resident: User, sodai_gomi: Procedure) -> Application:
    application, _created = actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="key-00000001"
    )
    Attachment.objects.create(
        application=application,
        kind="item_photo",
        file=ContentFile(b"secret", name="x"),
        original_name="sofa.png",
        content_type="image/png",
        size=6,
        sha256="0" * 64,
    )
    return application


@pytest.fixture
def outsider_client(other_resident: User) -> Client:
    client = Client()
    client.force_login(other_resident)
    return client


def _urls(application: Application) -> list[str]:
    attachment = application.attachments.get()
    return [
        reverse("applications:application-detail", args=[application.public_id]),
        reverse("applications:receipt-detail", args=[application.public_id]),
        reverse("applications:application-check", args=[application.public_id]),
        reverse("applications:attachment-list", args=[application.public_id]),
        reverse("applications:step-edit", args=[application.public_id, "applicant"]),
        reverse("applications:attachment-download", args=[attachment.public_id]),
        f"/api/applications/{application.public_id}",
    ]


def test_another_resident_gets_404_on_every_url_of_the_application(
    outsider_client: Client, submitted: Application
) -> None:
    for url in _urls(submitted):
        response = outsider_client.get(url)
        assert response.status_code == 404, url
        assert submitted.receipt_number not in response.content.decode(errors="ignore")


def test_an_anonymous_visitor_gets_nothing_either(client: Client, submitted: Application) -> None:
    for url in _urls(submitted):
        assert client.get(url).status_code in {302, 401, 404}, url


def test_lists_and_api_show_only_ones_own(outsider_client: Client, submitted: Application) -> None:
    assert (
        submitted.receipt_number not in outsider_client.get(reverse("applications:application-list")).content.decode()
    )
    assert outsider_client.get("/api/applications").json() == []


def test_searching_by_receipt_number_or_id_does_not_reveal_existence(
    outsider_client: Client, submitted: Application
) -> None:
    guessed = outsider_client.get(f"/applications/{submitted.receipt_number}/")
    random_uuid = outsider_client.get("/applications/00000000-0000-0000-0000-000000000000/")
    assert guessed.status_code == random_uuid.status_code == 404


def test_another_residents_draft_cannot_be_written_to(
    outsider_client: Client, resident_client: Client, sodai_gomi: Procedure
) -> None:
    resident_client.post(reverse("applications:application-start", args=["sodai-gomi"]))
    draft = Application.objects.get()
    before = dict(draft.answers)  # what the resident's sign-in filled in
    response = outsider_client.post(
        reverse("applications:step-edit", args=[draft.public_id, "applicant"]), {"applicant.family": "乗っ取り"}
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.answers == before
    assert draft.answers["applicant"]["family"] != "乗っ取り"


def test_staff_see_their_departments_applications_only(
    submitted: Application, clerk: User, make_resident: Callable[..., User]
) -> None:
    assert Application.objects.visible_to(clerk).filter(pk=submitted.pk).exists()
    other = User.objects.create(username="kosodate", kind=User.Kind.STAFF)
    other.departments.add(Department.objects.get(code="kosodate_kyufu"))
    assert not Application.objects.visible_to(other).exists()


def test_staff_below_the_classification_see_nothing(submitted: Application, clerk: User) -> None:
    Application.objects.filter(pk=submitted.pk).update(classification="SECRET")
    managed = Context(device_trust=DeviceTrust.MANAGED)
    assert not Application.objects.visible_to(clerk, managed).exists()
    clerk.clearance = "SECRET"
    clerk.save()
    assert Application.objects.visible_to(clerk, managed).exists()
    assert not Application.objects.visible_to(clerk).exists()  # an unknown device opens OFFICIAL only


def test_a_guest_sees_only_the_draft_of_their_own_session(client: Client, catalog: None) -> None:
    procedure = Procedure.objects.filter(current_version__allows_guest=True).first()
    assert procedure is not None, "the catalogue ships at least one guest procedure (道路損傷通報)"
    response = client.post(reverse("applications:application-start", args=[procedure.code]), {"as_guest": "1"})
    assert response.status_code == 302
    draft = Application.objects.get()
    assert draft.applicant is None and draft.guest_key
    assert client.get(response["Location"]).status_code == 200
    stranger = Client()
    assert stranger.get(response["Location"]).status_code == 404
