# SPDX-License-Identifier: MPL-2.0
"""The form engine against every shipped schema: any input gives messages, never an exception."""

from typing import Any

import pytest
from django.conf import settings
from django.http import QueryDict
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import field_specs, parse_post, validate
from civicloop.catalog.loader import read_catalog
from civicloop.testing.strategies import any_answers


@pytest.fixture(scope="module")
def definitions() -> list[Definition]:
    return [Definition(d) for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions]


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_answers_validate_to_messages_for_every_procedure(definitions: list[Definition], data: Any) -> None:
    definition, answers = any_answers(data, definitions)
    errors = validate(definition.schema, answers)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_form_post_parses_without_error(definitions: list[Definition], data: Any) -> None:
    definition = data.draw(st.sampled_from(definitions))
    step = data.draw(st.sampled_from(definition.steps))
    paths = [spec.path for spec in field_specs(definition.schema, step.fields)]
    keys = st.sampled_from(paths) | st.from_regex(r"\A[a-z_]{1,8}(\.[0-9]{1,3})?\.[a-z_]{1,8}\Z")
    post = QueryDict(mutable=True)
    for key, value in data.draw(st.lists(st.tuples(keys, st.text(max_size=15)), max_size=12)):
        post.appendlist(key, value)
    answers = parse_post(definition.schema, step.fields, post)
    assert set(answers) <= set(step.fields)
    validate(definition.schema, answers)


def test_a_missing_group_is_reported_field_by_field(definitions: list[Definition]) -> None:
    sodai = next(d for d in definitions if d.data["code"] == "sodai-gomi")
    errors = validate(sodai.schema, {})
    assert errors["applicant.family"] == "申込者の氏名（姓）を入力してください"
    assert errors["collection.address.postal_code"] == "収集場所の住所（郵便番号）を入力してください"
    assert errors["items"] == "出す品目を選択してください"
