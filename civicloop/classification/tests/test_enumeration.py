# SPDX-License-Identifier: MPL-2.0
"""A resident who guesses ids, receipt numbers or file URLs learns nothing about anyone else.

Every probe of another resident's object must look exactly like a probe of an object that does not
exist: same status, same body. Each refusal is in the audit log.
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.classification.tests.conftest import World, staff_client
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

MISSING = uuid.UUID("00000000-0000-4000-8000-000000000000")

# A page with a form (the language switch) carries a CSRF token masked afresh for every response:
# random, so it tells nothing about the object, and compared as a placeholder.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _without_csrf(body: bytes) -> bytes:
    return CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', body)


def _urls(application_id: uuid.UUID, attachment_id: uuid.UUID, case_id: uuid.UUID) -> list[str]:
    return [
        reverse("applications:application-detail", args=[application_id]),
        reverse("applications:receipt-detail", args=[application_id]),
        reverse("applications:application-check", args=[application_id]),
        reverse("applications:follow-up-list", args=[application_id]),
        reverse("applications:attachment-list", args=[application_id]),
        reverse("applications:step-edit", args=[application_id, "applicant"]),
        reverse("applications:attachment-download", args=[attachment_id]),
        reverse("cases:correction-resubmit", args=[application_id]),
        reverse("cases:case-detail", args=[case_id]),
        f"/api/applications/{application_id}",
    ]


def _same_as_missing(client: Client, real: list[str], missing: list[str]) -> None:
    for url, control in zip(real, missing, strict=True):
        response, expected = client.get(url), client.get(control)
        assert response.status_code == expected.status_code, url
        assert response.status_code in {302, 401, 404}, url
        assert _without_csrf(response.content) == _without_csrf(expected.content), url


def test_another_resident_cannot_tell_a_real_id_from_a_missing_one_at_any_tier(world: World) -> None:
    client = staff_client(world.other)
    missing = _urls(MISSING, MISSING, MISSING)
    for file in world.files.values():
        _same_as_missing(
            client, _urls(file.application.public_id, file.attachment.public_id, file.case.public_id), missing
        )
    assert AuditEntry.objects.filter(actor=f"user/{world.other.public_id}", data__allowed=False).count() >= 3 * 6


def test_a_visitor_not_signed_in_learns_nothing_either(world: World) -> None:
    missing = _urls(MISSING, MISSING, MISSING)
    for file in world.files.values():
        _same_as_missing(
            Client(), _urls(file.application.public_id, file.attachment.public_id, file.case.public_id), missing
        )


def test_receipt_numbers_and_swapped_ids_open_nothing(world: World) -> None:
    client = staff_client(world.other)
    file = world.files["OFFICIAL"]
    assert client.get(f"/applications/{file.application.receipt_number}/").status_code == 404
    assert client.get(f"/api/applications/{file.application.receipt_number}").status_code in {404, 422}
    # an attachment id where an application id is expected, and the other way round
    assert client.get(reverse("applications:application-detail", args=[file.attachment.public_id])).status_code == 404
    assert client.get(reverse("applications:attachment-download", args=[file.application.public_id])).status_code == 404


def test_lists_and_searches_show_only_ones_own(world: World) -> None:
    client = staff_client(world.other)
    listing = client.get(reverse("applications:application-list")).content.decode()
    api = client.get("/api/applications").json()
    for file in world.files.values():
        assert file.application.receipt_number not in listing
    assert api == []
    own = staff_client(world.owner).get("/api/applications").json()
    assert {a["receipt_number"] for a in own} == {f.application.receipt_number for f in world.files.values()}


def test_the_owner_reaches_their_own_data_at_every_tier(world: World) -> None:
    client = staff_client(world.owner)
    for file in world.files.values():
        assert (
            client.get(reverse("applications:application-detail", args=[file.application.public_id])).status_code == 200
        )
        download = client.get(reverse("applications:attachment-download", args=[file.attachment.public_id]))
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
