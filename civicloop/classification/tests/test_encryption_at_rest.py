# SPDX-License-Identifier: MPL-2.0
"""SECRET and TOP SECRET answers are encrypted in the database and read transparently; rotation."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.classification import crypto, family
from civicloop.classification.tests.conftest import World, build_case_file, submit
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

OLD = crypto.new_key_value("old")
NEW = crypto.new_key_value("new")
TOP = crypto.new_key_value("top")


@pytest.fixture(autouse=True)
def keys(settings: Any) -> Any:
    settings.CLASSIFICATION_KEKS = {"SECRET": [OLD], "TOP_SECRET": [TOP]}
    return settings


def _stored(application: Application) -> Any:
    """The answers column as the database holds it (bypassing the model)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM applications_application WHERE id = %s", [application.pk])
        (value,) = cursor.fetchone()
    return json.loads(value) if isinstance(value, str) else value


def test_official_answers_are_stored_exactly_as_given(resident: User, sodai_gomi: Procedure) -> None:
    application = submit(resident, sodai_gomi, "plain-0001")
    assert _stored(application) == VALID_SODAI_GOMI


def test_secret_and_top_secret_answers_are_stored_encrypted_and_read_as_before(world: World) -> None:
    for tier in ("SECRET", "TOP_SECRET"):
        application = Application.objects.get(pk=world.files[tier].application.pk)
        stored = _stored(application)
        assert set(stored) == {"$enc", "tier", "kek", "wk", "iv", "ct"} and stored["tier"] == tier
        assert "𠮷田" not in json.dumps(stored, ensure_ascii=False)
        assert application.answers["applicant"]["family"] == "𠮷田"


def test_a_list_that_never_touches_the_answers_never_decrypts_them(world: World, settings: Any) -> None:
    rows = list(Application.objects.filter(classification="SECRET"))
    settings.CLASSIFICATION_KEKS = {}  # without the key, only reading the answers could fail
    settings.CLASSIFICATION_DEMO_KEYS = False
    assert [a.receipt_number for a in rows]
    with pytest.raises(crypto.KeyUnavailable):
        _ = rows[0].answers


def test_changed_ciphertext_in_the_database_is_an_error_not_wrong_answers(world: World) -> None:
    application = world.files["SECRET"].application
    envelope = Application.objects.filter(pk=application.pk).values_list("answers", flat=True).get()
    raw = bytearray(crypto._unb64(envelope["ct"]))
    raw[0] ^= 0xFF
    Application.objects.filter(pk=application.pk).update(answers={**envelope, "ct": crypto._b64(bytes(raw))})
    with pytest.raises(crypto.EnvelopeError):
        _ = Application.objects.get(pk=application.pk).answers


def test_answers_copied_onto_another_application_do_not_open(world: World) -> None:
    secret, top = world.files["SECRET"].application, world.files["TOP_SECRET"].application
    envelope = Application.objects.filter(pk=secret.pk).values_list("answers", flat=True).get()
    Application.objects.filter(pk=top.pk).update(answers=envelope, classification="SECRET")
    with pytest.raises(crypto.EnvelopeError):
        _ = Application.objects.get(pk=top.pk).answers


def test_lowering_to_official_stores_the_answers_in_clear_again(world: World) -> None:
    case = world.files["SECRET"].case
    with transaction.atomic():
        family.relabel_family(case, new="OFFICIAL")
    application = Application.objects.get(pk=case.application_id)
    assert _stored(application) == VALID_SODAI_GOMI == application.answers


def test_rotation_rewraps_every_data_key_without_rewriting_the_data(world: World, keys: Any) -> None:
    application = world.files["SECRET"].application
    before = Application.objects.filter(pk=application.pk).values_list("answers", flat=True).get()
    keys.CLASSIFICATION_KEKS = {"SECRET": [NEW, OLD], "TOP_SECRET": [TOP]}
    out = StringIO()
    call_command("rotate_classification_keys", stdout=out)
    after = Application.objects.filter(pk=application.pk).values_list("answers", flat=True).get()
    assert (after["kek"], after["ct"], after["iv"]) == ("new", before["ct"], before["iv"])
    assert "SECRET: re-wrapped 1 data keys with new" in out.getvalue()
    assert "TOP_SECRET: re-wrapped 0 data keys with top" in out.getvalue()
    keys.CLASSIFICATION_KEKS = {"SECRET": [NEW], "TOP_SECRET": [TOP]}
    assert Application.objects.get(pk=application.pk).answers == VALID_SODAI_GOMI
    assert AuditEntry.objects.filter(action="keys.rotate", object_id="SECRET/new").exists()


def test_a_dry_run_counts_and_changes_nothing(world: World, keys: Any) -> None:
    application = world.files["SECRET"].application
    before = Application.objects.filter(pk=application.pk).values_list("answers", flat=True).get()
    keys.CLASSIFICATION_KEKS = {"SECRET": [NEW, OLD], "TOP_SECRET": [TOP]}
    out = StringIO()
    call_command("rotate_classification_keys", "--dry-run", "--tier", "SECRET", stdout=out)
    assert "would re-wrap 1" in out.getvalue()
    assert Application.objects.filter(pk=application.pk).values_list("answers", flat=True).get() == before


def test_a_new_demo_key_is_added_and_everything_rewrapped_to_it(
    resident: User, sodai_gomi: Procedure, keys: Any, tmp_path: Any
) -> None:
    keys.VAR_DIR = tmp_path
    keys.CLASSIFICATION_KEKS = {}
    keys.CLASSIFICATION_DEMO_KEYS = True
    file = build_case_file(resident, sodai_gomi, "TOP_SECRET", "demo-0001")
    call_command("rotate_classification_keys", "--new-demo-key", "--tier", "TOP_SECRET", stdout=StringIO())
    assert crypto.keyring("TOP_SECRET")[0].id == "demo-top-secret-2"
    stored = Application.objects.filter(pk=file.application.pk).values_list("answers", flat=True).get()
    assert stored["kek"] == "demo-top-secret-2"
    assert Application.objects.get(pk=file.application.pk).answers == VALID_SODAI_GOMI
