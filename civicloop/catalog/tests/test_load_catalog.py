# SPDX-License-Identifier: MPL-2.0
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from civicloop.accounts.models import Department
from civicloop.catalog.models import Procedure, ProcedureVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedures_dir(tmp_path: Path) -> Path:
    target = tmp_path / "procedures"
    shutil.copytree(settings.PROCEDURES_DIR, target)
    return target


def test_it_loads_the_whole_shipped_catalogue_with_every_department_of_the_domain() -> None:
    call_command("load_catalog")
    assert Procedure.objects.published().count() >= 30
    assert Department.objects.filter(code="koseki_juumin").exists()
    codes = set(Procedure.objects.values_list("department__code", flat=True))
    assert {"koseki_juumin", "hoken_nenkin", "kosodate_kyufu", "hoiku", "kaigo", "fukushi", "zeimu", "seiso"} <= codes


def test_loading_twice_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_catalog")
    versions = ProcedureVersion.objects.count()
    call_command("load_catalog")
    assert ProcedureVersion.objects.count() == versions
    assert "0 new, 0 new versions" in capsys.readouterr().out


def test_a_changed_file_becomes_a_new_version_and_the_old_one_stays(procedures_dir: Path) -> None:
    call_command("load_catalog", dir=procedures_dir)
    path = procedures_dir / "sodai-gomi.yaml"
    data = yaml.safe_load(path.read_text())
    data["processing"]["days"] = 12
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    call_command("load_catalog", dir=procedures_dir)
    procedure = Procedure.objects.get(code="sodai-gomi")
    assert procedure.current_version is not None
    assert procedure.current_version.number == 2
    assert procedure.current_version.definition["processing"]["days"] == 12
    assert procedure.versions.get(number=1).definition["processing"]["days"] == 10


def test_a_broken_file_names_file_path_and_reason_and_nothing_loads(procedures_dir: Path) -> None:
    path = procedures_dir / "sodai-gomi.yaml"
    data = yaml.safe_load(path.read_text())
    data["department"] = "no_such_department"
    data["form"]["steps"][0]["fields"].append("not_a_field")
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    message = str(raised.value)
    assert "sodai-gomi.yaml: department: unknown department 'no_such_department'" in message
    assert "sodai-gomi.yaml: form/steps/0/fields/" in message
    assert "nothing changed" in message
    assert not Procedure.objects.exists()
    assert not Department.objects.exists()


def test_invalid_yaml_and_schema_violations_are_reported(procedures_dir: Path) -> None:
    (procedures_dir / "broken.yaml").write_text("code: [unclosed\n")
    path = procedures_dir / "jido-teate.yaml"
    data = yaml.safe_load(path.read_text())
    data["kind"] = "maybe"
    del data["names"]["en"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    message = str(raised.value)
    assert "broken.yaml: (top): not valid YAML" in message
    assert "jido-teate.yaml: kind: 'maybe' is not one of" in message
    assert "jido-teate.yaml: names: 'en' is a required property" in message


def test_a_field_without_labels_is_refused(procedures_dir: Path) -> None:
    path = procedures_dir / "sodai-gomi.yaml"
    data = yaml.safe_load(path.read_text())
    data["form"]["schema"]["properties"]["collection"]["properties"]["place_note"].pop("title")
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError, match=r"form/schema:collection.place_note: every field needs a title"):
        call_command("load_catalog", dir=procedures_dir)


def test_a_removed_file_withdraws_the_procedure_but_keeps_its_versions(procedures_dir: Path) -> None:
    call_command("load_catalog", dir=procedures_dir)
    (procedures_dir / "sodai-gomi.yaml").unlink()
    call_command("load_catalog", dir=procedures_dir)
    procedure = Procedure.objects.get(code="sodai-gomi")
    assert not procedure.is_active
    assert not Procedure.objects.published().filter(code="sodai-gomi").exists()
    assert procedure.versions.count() == 1


def test_a_restored_file_publishes_the_procedure_again(procedures_dir: Path, tmp_path: Path) -> None:
    call_command("load_catalog", dir=procedures_dir)
    kept = tmp_path / "kept.yaml"
    shutil.move(procedures_dir / "sodai-gomi.yaml", kept)
    call_command("load_catalog", dir=procedures_dir)
    shutil.move(kept, procedures_dir / "sodai-gomi.yaml")
    call_command("load_catalog", dir=procedures_dir)
    assert Procedure.objects.published().filter(code="sodai-gomi").exists()


def test_the_submission_cache_serves_a_procedure_and_forgets_it_on_load(settings: Any) -> None:
    from civicloop.catalog import cache

    settings.CATALOG_CACHE_SECONDS = 60
    call_command("load_catalog")
    first = cache.published_procedure("sodai-gomi")
    assert first is not None and cache.published_procedure("sodai-gomi") is first
    assert cache.published_procedure("no-such-procedure") is None
    call_command("load_catalog")
    assert cache.published_procedure("sodai-gomi") is not first


def test_bad_date_rules_and_prefills_are_load_errors_naming_file_path_and_reason(procedures_dir: Path) -> None:
    # given a procedure whose annotations the form engine could not honour
    path = procedures_dir / "sodai-gomi.yaml"
    data = yaml.safe_load(path.read_text())
    properties = data["form"]["schema"]["properties"]
    properties["collection"]["properties"]["preferred_date"]["x-date-rule"] = {
        "earliest": "+1 fortnight",
        "days": "odd",
    }
    properties["collection"]["properties"]["place_note"]["x-date-rule"] = {"latest": "today"}
    properties["applicant"]["x-prefill"] = "passport"
    properties["items"]["items"]["properties"]["detail"]["x-prefill"] = "email"
    properties["items"]["items"]["properties"]["detail"]["format"] = "emial"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    # when it is loaded
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    # then each problem is named and nothing is written
    message = str(raised.value)
    assert (
        "sodai-gomi.yaml: form/schema:collection.preferred_date: x-date-rule: earliest: '+1 fortnight' is not"
        " 'today' or an offset such as '+7 days' or '+3 business days'" in message
    )
    assert "sodai-gomi.yaml: form/schema:collection.preferred_date: x-date-rule: days must be one of" in message
    assert (
        "sodai-gomi.yaml: form/schema:collection.place_note: x-date-rule is only for a field with format: date"
        in message
    )
    assert "sodai-gomi.yaml: form/schema:applicant: x-prefill must be one of name, address, birthdate, email" in message
    assert "sodai-gomi.yaml: form/schema:items.#.detail: x-prefill cannot be used inside repeated rows" in message
    assert "sodai-gomi.yaml: form/schema:items.#.detail: unknown format 'emial'" in message
    assert not Procedure.objects.exists()


def test_a_date_rule_whose_earliest_day_comes_after_its_latest_is_refused(procedures_dir: Path) -> None:
    path = procedures_dir / "sodai-gomi.yaml"
    data = yaml.safe_load(path.read_text())
    preferred = data["form"]["schema"]["properties"]["collection"]["properties"]["preferred_date"]
    preferred["x-date-rule"] = {"earliest": "+10 business days", "latest": "+7 days"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    assert "form/schema:collection.preferred_date: x-date-rule: earliest comes after latest" in str(raised.value)
