# SPDX-License-Identifier: MPL-2.0
"""個人番号: sealed in drafts, moved to its own encrypted field on submission, every read audited."""

import copy
import json
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.applications.actions import submit_from_api
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure, ProcedureVersion
from civicloop.classification import crypto, family, mynumber
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.classification.tests.conftest import staff_client, submit
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

# 12 digits whose last is the check digit of the first eleven (施行令 第8条).
VALID = "123456789018"


@pytest.fixture
def with_my_number(sodai_gomi: Procedure) -> Procedure:
    """The bulky-waste form with a `my_number` answer on its first step (a test-only version)."""
    current = sodai_gomi.current_version
    assert current is not None
    definition = copy.deepcopy(current.definition)
    definition["form"]["schema"]["properties"]["my_number"] = {
        "type": "string",
        "pattern": "^[0-9]{12}$",
        "title": "個人番号",
    }
    definition["form"]["steps"][0]["fields"].append("my_number")
    version = ProcedureVersion.objects.create(
        procedure=sodai_gomi,
        number=current.number + 1,
        checksum="test",
        source_path="test",
        definition=definition,
        name_ja=current.name_ja,
        name_en=current.name_en,
        kind=current.kind,
        classification=current.classification,
        search_text=current.search_text,
    )
    sodai_gomi.current_version = version
    sodai_gomi.save(update_fields=["current_version"])
    return sodai_gomi


def submit_with_number(resident: User, procedure: Procedure, key: str = "mn-0") -> Application:
    application, _created = submit_from_api(
        user=resident, procedure=procedure, answers={**VALID_SODAI_GOMI, "my_number": VALID}, idempotency_key=key
    )
    return application


def _raw_column(application: Application, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM applications_application WHERE id = %s", [application.pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else json.dumps(value)


def test_the_check_digit_follows_the_cabinet_order() -> None:
    assert mynumber.check_digit("12345678901") == 8
    assert mynumber.validate_my_number("1234 5678 9018") == VALID
    assert mynumber.validate_my_number("１２３４５６７８９０１８") == VALID
    for bad in ("123456789012", "12345678901", "abcdefghijkl"):
        with pytest.raises(mynumber.MyNumberInvalid):
            mynumber.validate_my_number(bad)


def test_on_submission_the_number_leaves_the_answers_for_its_own_encrypted_field(
    resident: User, with_my_number: Procedure
) -> None:
    application = submit_with_number(resident, with_my_number, "mn-1")
    stored = Application.objects.get(pk=application.pk)
    assert "my_number" not in stored.answers and stored.answers["items"] == VALID_SODAI_GOMI["items"]
    assert VALID not in _raw_column(stored, "answers") and VALID not in _raw_column(stored, "my_number_encrypted")
    assert crypto.is_envelope(stored.my_number_encrypted) and stored.my_number_encrypted["tier"] == "SECRET"
    assert AuditEntry.objects.filter(action="my_number.store", object_id=str(stored.public_id)).exists()
    assert Event.objects.filter(type="jp.lg.civicloop.application.my_number_sealed").count() == 1


def test_a_draft_never_holds_the_number_in_clear(resident: User, with_my_number: Procedure) -> None:
    draft = Application.objects.create(
        procedure_version=with_my_number.current_version, applicant=resident, answers={"my_number": VALID}
    )
    assert VALID not in _raw_column(draft, "answers")
    assert Application.objects.get(pk=draft.pk).answers == {"my_number": VALID}


def test_every_read_is_audited_with_who_and_why(
    resident: User, with_my_number: Procedure, make_staff: Callable[..., User]
) -> None:
    application = submit_with_number(resident, with_my_number, "mn-2")
    clerk = make_staff()
    value = mynumber.read_my_number(application, user=clerk, purpose="本人確認", context=Context())
    assert value == VALID
    entry = AuditEntry.objects.get(action="my_number.read")
    assert (entry.actor, entry.data["purpose"], entry.classification) == (
        f"user/{clerk.public_id}",
        "本人確認",
        "SECRET",
    )
    outsider = make_staff(departments=("kosodate_kyufu",))
    with pytest.raises(mynumber.MyNumberDenied):
        mynumber.read_my_number(application, user=outsider, purpose="curiosity")
    assert AuditEntry.objects.filter(action="my_number.read").count() == 1
    assert AuditEntry.objects.filter(action="access.view", data__allowed=False).exists()


def test_staff_read_it_from_the_case_page_panel_and_the_page_is_not_cached(
    resident: User, with_my_number: Procedure, make_staff: Callable[..., User], device_header: str
) -> None:
    application = submit_with_number(resident, with_my_number)
    client = staff_client(make_staff())
    url = reverse("classification:my-number", args=["applications.application", application.public_id])
    response = client.post(url, {"purpose": "税額の照合"}, **{device_header: DeviceTrust.MANAGED})
    assert response.status_code == 200 and VALID in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert client.post(url, {"purpose": ""}).status_code == 302  # no purpose, no read
    assert AuditEntry.objects.filter(action="my_number.read").count() == 1
    other = staff_client(make_staff(departments=("kosodate_kyufu",)))
    assert other.post(url, {"purpose": "見たい"}).status_code == 404


def test_raising_to_top_secret_reseals_the_number_with_the_top_secret_key(
    resident: User, with_my_number: Procedure
) -> None:
    application = submit_with_number(resident, with_my_number)
    with transaction.atomic():
        family.relabel_family(application, new="TOP_SECRET")
    stored = Application.objects.get(pk=application.pk)
    assert stored.my_number_encrypted["tier"] == "TOP_SECRET"
    assert stored.answers["items"] == VALID_SODAI_GOMI["items"]


def test_an_application_without_a_number_is_untouched(resident: User, sodai_gomi: Procedure) -> None:
    application = submit(resident, sodai_gomi, "no-number")
    assert Application.objects.get(pk=application.pk).my_number_encrypted is None
    assert not Event.objects.filter(type="jp.lg.civicloop.application.my_number_sealed").exists()


def test_the_holder_is_found_from_a_case_or_its_rating_without_walking_into_members_that_only_lead_back(
    resident: User, with_my_number: Procedure, django_assert_max_num_queries: Callable[..., object]
) -> None:
    # given an application with a number, its case and the resident's rating of it
    from civicloop.analytics.models import ServiceRating
    from civicloop.cases.models import Case

    application = submit_with_number(resident, with_my_number)
    case = Case.objects.select_related("application").get(application=application)
    rating = ServiceRating.objects.create(application=application, score=4)
    # then the panel finds the holder from each, and from the case reads nothing beyond what it
    # loaded with it: its rating and chat channel lead only back to the application and the case
    with django_assert_max_num_queries(0):  # type: ignore[operator]
        assert mynumber.holder_in_family(case) == application
    assert mynumber.holder_in_family(ServiceRating.objects.get(pk=rating.pk)) == application
    assert mynumber.holder_in_family(Application.objects.get(pk=application.pk)) == application
    assert family.family_of(case)[:2] == [case, application]  # the full family walk is unchanged
