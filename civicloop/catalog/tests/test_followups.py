# SPDX-License-Identifier: MPL-2.0
"""ワンスオンリー: the follow-ups a life event's first procedure declares, and what they carry over."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from civicloop.catalog import followups
from civicloop.catalog.loader import CatalogError, read_catalog

pytestmark = pytest.mark.django_db

ADDRESS = {"postal_code": "150-0042", "prefecture": "東京都", "city": "渋谷区", "town": "宇田川町", "block": "1-1"}


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    return {d["code"]: d for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions}


@pytest.fixture
def procedures_dir(tmp_path: Path) -> Path:
    target = tmp_path / "procedures"
    shutil.copytree(settings.PROCEDURES_DIR, target)
    return target


def _edit(procedures_dir: Path, code: str, change: Any) -> None:
    path = procedures_dir / f"{code}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_each_life_event_first_procedure_declares_its_follow_ups(definitions: dict[str, dict[str, Any]]) -> None:
    # 婚姻届 itself is not an online procedure here; the partnership certificate starts 結婚・パートナーシップ.
    events = {code: followups.declared(definitions[code]) for code in ("tennyu", "shussei", "shibo", "tenshutsu")}
    events["partnership"] = followups.declared(definitions["partnership"])
    assert {code: spec.life_event for code, spec in events.items() if spec} == {
        "tennyu": "moving",
        "shussei": "birth",
        "shibo": "death",
        "tenshutsu": "moving",
        "partnership": "marriage",
    }
    tennyu = events["tennyu"]
    assert tennyu is not None
    assert [f.code for f in tennyu.follow_ups][:3] == ["kokuho-ido", "jido-teate", "kodomo-iryohi"]
    assert all(f.reason_ja and f.reason_en for spec in events.values() if spec for f in spec.follow_ups)


def test_the_new_address_of_a_moving_in_goes_where_the_mapping_says(definitions: dict[str, dict[str, Any]]) -> None:
    # given a 転入届's answers
    spec = followups.declared(definitions["tennyu"])
    assert spec is not None
    kokuho = spec.get("kokuho-ido")
    assert kokuho is not None
    answers: dict[str, Any] = {
        "new_address": ADDRESS,
        "moved_in_on": "2026-12-01",
        "contact": {"phone": "03-1234-5678"},
        "household_head": {"family": "渋谷", "given": "花子", "family_kana": "シブヤ", "given_kana": "ハナコ"},
        "movers": [{"name": {"family": "渋谷", "given": "花子"}, "birthdate": "1988-04-12", "gender": "female"}],
        "old_address": {**ADDRESS, "city": "世田谷区"},
    }
    # when it is carried over to 国民健康保険
    carried = followups.carry_over(kokuho, answers, definitions["kokuho-ido"]["form"]["schema"])
    # then each declared field holds the answer, the fixed values the life event implies, and nothing else
    assert carried["householder_address"] == ADDRESS
    assert carried["change_date"] == "2026-12-01"
    assert carried["change_kind"] == "join" and carried["join_reason"] == "moved_in"
    assert carried["insured"] == [answers["movers"][0]]
    assert "old_address" not in carried and "previous_insurer" not in carried
    assert followups.count_inputs(carried) == 5 + 1 + 2 + 4 + 1 + 4


def test_a_field_the_resident_left_empty_is_not_carried(definitions: dict[str, dict[str, Any]]) -> None:
    spec = followups.declared(definitions["tennyu"])
    assert spec is not None
    inu = spec.get("inu-toroku")
    assert inu is not None
    carried = followups.carry_over(
        inu, {"new_address": {}, "contact": {"phone": ""}}, definitions["inu-toroku"]["form"]["schema"]
    )
    assert carried == {"dog_location": "same"}


def test_a_changed_answer_stops_counting_as_carried() -> None:
    carried = {"owner_address": ADDRESS, "dog_location": "same"}
    answers = {"owner_address": {**ADDRESS, "block": "2-2"}, "dog_location": "different"}
    roots, inputs = followups.still_carried(carried, answers)
    assert roots == {"owner_address"}
    assert "owner_address.block" not in inputs and "owner_address.city" in inputs and "dog_location" not in inputs


def test_a_follow_up_naming_an_unknown_procedure_is_refused(procedures_dir: Path) -> None:
    _edit(procedures_dir, "tennyu", lambda d: d["follow_ups"]["procedures"][0].update(code="no-such-thing"))
    with pytest.raises(CatalogError, match="follow_ups/procedures/0: unknown procedure 'no-such-thing'"):
        read_catalog(procedures_dir)


def test_a_mapping_to_a_field_the_target_does_not_have_is_refused(procedures_dir: Path) -> None:
    _edit(
        procedures_dir,
        "tennyu",
        lambda d: d["follow_ups"]["procedures"][0]["answers"].update(nickname={"from": "contact"}),
    )
    with pytest.raises(CatalogError, match="answers/nickname: kokuho-ido has no field 'nickname'"):
        read_catalog(procedures_dir)


def test_a_mapping_between_fields_of_different_kinds_is_refused(procedures_dir: Path) -> None:
    _edit(
        procedures_dir,
        "tennyu",
        lambda d: d["follow_ups"]["procedures"][0]["answers"].update(change_date={"from": "new_address"}),
    )
    with pytest.raises(CatalogError, match="'new_address' and 'change_date' do not hold the same kind of answer"):
        read_catalog(procedures_dir)


def test_a_fixed_value_outside_the_choices_is_refused(procedures_dir: Path) -> None:
    _edit(
        procedures_dir,
        "tennyu",
        lambda d: d["follow_ups"]["procedures"][0]["answers"].update(change_kind={"value": "maybe"}),
    )
    with pytest.raises(CatalogError, match="'maybe' is not one of change_kind's choices"):
        read_catalog(procedures_dir)


def test_answers_of_a_secret_procedure_are_never_copied_into_an_official_one(procedures_dir: Path) -> None:
    # given a mapping that would copy the partnership certificate's (SECRET) contact into 転居届 (OFFICIAL)
    _edit(
        procedures_dir,
        "partnership",
        lambda d: d["follow_ups"]["procedures"][0].update(answers={"contact": {"from": "contact"}}),
    )
    # then the catalogue does not load
    with pytest.raises(CatalogError, match="answers of a SECRET procedure cannot be copied into tenkyo"):
        read_catalog(procedures_dir)


def test_an_unknown_life_event_is_refused(procedures_dir: Path) -> None:
    _edit(procedures_dir, "shibo", lambda d: d["follow_ups"].update(life_event="funeral"))
    with pytest.raises(CatalogError, match="unknown life event 'funeral'"):
        read_catalog(procedures_dir)
