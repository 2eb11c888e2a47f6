# SPDX-License-Identifier: MPL-2.0
"""An Idempotency-Key stands for one request body: a retry gets the first result, another body a 422."""

import copy
import json
from typing import Any

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.applications import actions
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI

pytestmark = pytest.mark.django_db


def _post(client: Client, body: Any, key: str = "idem-key-0001") -> Any:
    return client.post("/api/applications", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _other_answers() -> dict[str, Any]:
    answers = copy.deepcopy(VALID_SODAI_GOMI)
    answers["items"] = [{"item": "sofa", "quantity": 2}]
    return answers


def test_the_same_key_with_other_answers_is_refused_and_nothing_is_lost_silently(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    # given a submission made with a key
    first = _post(resident_client, {"procedure": "sodai-gomi", "answers": VALID_SODAI_GOMI})
    assert first.status_code == 201
    # when the same key comes with different answers
    second = _post(resident_client, {"procedure": "sodai-gomi", "answers": _other_answers()})
    # then the client is told, and the first application is untouched and alone
    assert second.status_code == 422
    assert "Idempotency-Key" in second.json()["detail"] and "different request body" in second.json()["detail"]
    assert "id" not in second.json()
    assert Application.objects.count() == 1
    assert Application.objects.get().answers["items"] == [{"item": "sofa", "quantity": 1}]


def test_the_same_key_for_another_procedure_is_refused(resident_client: Client, sodai_gomi: Procedure) -> None:
    assert _post(resident_client, {"procedure": "sodai-gomi", "answers": VALID_SODAI_GOMI}).status_code == 201
    other = _post(resident_client, {"procedure": "jido-teate", "answers": VALID_SODAI_GOMI})
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert Application.objects.count() == 1


def test_a_retry_with_the_same_body_in_another_key_order_gets_the_first_result(
    resident_client: Client, sodai_gomi: Procedure
) -> None:
    first = _post(resident_client, {"procedure": "sodai-gomi", "answers": VALID_SODAI_GOMI})
    reordered = json.loads(json.dumps(VALID_SODAI_GOMI), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    retry = resident_client.post(
        "/api/applications",
        json.dumps({"answers": reordered, "procedure": "sodai-gomi"}, indent=2),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="idem-key-0001",
    )
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]


def test_each_resident_has_their_own_keys(resident_client: Client, other_resident: User, sodai_gomi: Procedure) -> None:
    _post(resident_client, {"procedure": "sodai-gomi", "answers": VALID_SODAI_GOMI})
    client = Client()
    client.force_login(other_resident)
    assert _post(client, {"procedure": "sodai-gomi", "answers": _other_answers()}).status_code == 201


def test_an_application_from_before_digests_is_still_found_by_its_key(resident: User, sodai_gomi: Procedure) -> None:
    first, _ = actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="legacy-key-1"
    )
    Application.objects.filter(pk=first.pk).update(submission_digest="")
    again, created = actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=_other_answers(), idempotency_key="legacy-key-1"
    )
    assert again.pk == first.pk and not created


def test_the_action_names_the_first_application_when_a_key_is_reused(resident: User, sodai_gomi: Procedure) -> None:
    first, _ = actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="action-key-1"
    )
    with pytest.raises(actions.IdempotencyKeyReused) as refused:
        actions.submit_from_api(
            user=resident, procedure=sodai_gomi, answers=_other_answers(), idempotency_key="action-key-1"
        )
    assert refused.value.application.pk == first.pk
    assert Application.objects.filter(applicant=resident).count() == 1
