# SPDX-License-Identifier: MPL-2.0
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from civicloop.catalog import fees
from civicloop.catalog.models import Procedure


def _definition(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((settings.PROCEDURES_DIR / f"{name}.yaml").read_text())
    return data


def test_a_fee_per_copy_is_multiplied_by_the_number_of_copies() -> None:
    quote = fees.quote(_definition("juminhyo"), {"copies": 3})
    assert quote.timing == "after_approval"
    assert quote.total_yen == 900
    assert [(line.unit_yen, line.quantity) for line in quote.lines] == [(300, 3)]


def test_a_conditional_fee_is_charged_only_when_the_answers_meet_its_condition() -> None:
    definition = _definition("inu-toroku")
    assert fees.quote(definition, {"vaccination": {"tag": "issued"}}).total_yen == 3000
    assert fees.quote(definition, {"vaccination": {"tag": "needed"}}).total_yen == 3550


def test_the_amount_is_computed_from_the_kind_of_certificate_and_the_copies() -> None:
    definition = _definition("koseki-shomei")
    assert fees.quote(definition, {"certificate_kind": "kojin", "copies": 2}).total_yen == 900
    assert fees.quote(definition, {"certificate_kind": "joseki", "copies": 2}).total_yen == 1500


def test_a_missing_or_non_integer_count_charges_nothing_for_that_line() -> None:
    definition = _definition("juminhyo")
    assert fees.quote(definition, {}).total_yen == 0
    assert fees.quote(definition, {"copies": True}).total_yen == 0


@pytest.fixture
def procedures_dir(tmp_path: Path) -> Path:
    target = tmp_path / "procedures"
    shutil.copytree(settings.PROCEDURES_DIR, target)
    return target


def _edit(procedures_dir: Path, name: str, change: Any) -> None:
    path = procedures_dir / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.django_db
def test_a_fee_step_without_fee_payment_and_a_count_that_is_no_number_are_refused(procedures_dir: Path) -> None:
    # given
    def no_payment(data: dict[str, Any]) -> None:
        del data["fee_payment"]

    def bad_per(data: dict[str, Any]) -> None:
        data["fees"][0]["per"] = "purpose"
        data["fees"][0]["when"] = {"field": "nowhere", "equals": 1}

    _edit(procedures_dir, "juminhyo", no_payment)
    _edit(procedures_dir, "kazei-shomei", bad_per)
    # when
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    # then
    message = str(raised.value)
    assert "juminhyo.yaml: fee_payment: the process has a 手数料納付 (fee) step" in message
    assert "kazei-shomei.yaml: fees/0/per: 'purpose' is not an integer field of the form" in message
    assert "kazei-shomei.yaml: fees/0/when/field: 'nowhere' is not a field of the form" in message
    assert not Procedure.objects.exists()


@pytest.mark.django_db
def test_a_timing_that_does_not_fit_the_process_is_refused(procedures_dir: Path) -> None:
    def before(data: dict[str, Any]) -> None:
        data["fee_payment"] = {"timing": "before_submission"}

    def after_without_step(data: dict[str, Any]) -> None:
        data["fee_payment"] = {"timing": "after_approval"}

    def unknown(data: dict[str, Any]) -> None:
        data["fee_payment"] = {"timing": "someday"}

    _edit(procedures_dir, "juminhyo", before)
    _edit(procedures_dir, "kobunsho-kaiji", after_without_step)
    _edit(procedures_dir, "inu-toroku", unknown)
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    message = str(raised.value)
    assert "juminhyo.yaml: fee_payment/timing: a fee paid before submission cannot also wait" in message
    assert "kobunsho-kaiji.yaml: fee_payment/timing: after_approval needs a process with a 手数料納付" in message
    assert "inu-toroku.yaml: fee_payment/timing: 'someday' is not one of" in message


@pytest.mark.django_db
def test_a_fee_paid_before_submission_is_refused_for_a_procedure_guests_may_use(procedures_dir: Path) -> None:
    def guests_pay_first(data: dict[str, Any]) -> None:
        data["allows_guest"] = True

    _edit(procedures_dir, "kazei-shomei", guests_pay_first)
    with pytest.raises(CommandError) as raised:
        call_command("load_catalog", dir=procedures_dir)
    assert "kazei-shomei.yaml: fee_payment/timing: a fee paid before submission needs a signed-in resident" in str(
        raised.value
    )
