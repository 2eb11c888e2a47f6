# SPDX-License-Identifier: MPL-2.0
"""jsonschema-rs's verdict is jsonschema's: on every procedure's answers, their mutations and noise.

`validate` returns no errors without asking jsonschema when jsonschema-rs finds the answers
valid. That is only right if jsonschema-rs never accepts what jsonschema refuses; these tests hold
the two to the same verdict, so a refusal it missed (or one it added) shows here first.
"""

import copy
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from civicloop.cases.management.sample_data import AnswerFaker
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.catalog.formschema.validation import _errors, fast_verdict
from civicloop.catalog.loader import read_catalog
from civicloop.testing.strategies import any_answers

TODAY = dt.date(2026, 12, 7)
ODD_VALUES: list[Any] = [None, True, 0, -1, 12.5, 10**6, "", "x" * 500, "2026-02-30", "1999-01-01", [], {}, ["a"]]


@pytest.fixture(scope="module")
def definitions() -> list[Definition]:
    return [Definition(d) for _path, d in read_catalog(settings.PROCEDURES_DIR).definitions]


def _verdicts(definition: Definition, answers: Any) -> tuple[bool, bool]:
    slow = not _errors(definition.schema, answers, False, TODAY, None)
    return fast_verdict(definition.schema, answers, TODAY), slow


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*path, index)
            yield from _paths(inner, (*path, index))


def _mutations(answers: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    """Each answer removed, replaced by an odd value, or joined by an unknown key, one at a time."""
    for path in _paths(answers):
        parent_path, last = path[:-1], path[-1]
        removed = copy.deepcopy(answers)
        parent = removed
        for step in parent_path:
            parent = parent[step]
        parent.pop(last)
        yield removed
        for odd in rng.sample(ODD_VALUES, 3):
            changed = copy.deepcopy(answers)
            parent = changed
            for step in parent_path:
                parent = parent[step]
            parent[last] = odd
            yield changed
    yield {**answers, "unexpected": "x"}


def test_the_same_verdict_on_generated_answers_and_each_mutation(definitions: list[Definition]) -> None:
    rng = random.Random("fast-validation")
    checked = valid = 0
    failures = []
    for definition in definitions:
        faker = AnswerFaker(rng, definition.schema, TODAY)
        for _draw in range(3):
            answers = definition.prune(faker.answers())
            for candidate in [answers, *_mutations(answers, rng)]:
                fast, slow = _verdicts(definition, candidate)
                checked += 1
                valid += slow
                if fast != slow:
                    failures.append((definition.data["code"], fast, slow, candidate))
    assert not failures, failures[:3]
    # the sample covers both verdicts in quantity, or the comparison would prove little
    assert checked > 5000 and valid > 300, (checked, valid)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_same_verdict_on_any_json(definitions: list[Definition], data: Any) -> None:
    definition, answers = any_answers(data, definitions)
    fast, slow = _verdicts(definition, answers)
    assert fast == slow


def test_the_date_rule_is_judged_against_the_day_given(definitions: list[Definition]) -> None:
    sodai = next(d for d in definitions if d.data["code"] == "sodai-gomi")
    answers = AnswerFaker(random.Random(1), sodai.schema, TODAY).answers()
    answers["collection"]["preferred_date"] = "2026-12-21"  # a Monday, two weeks ahead
    assert fast_verdict(sodai.schema, answers, TODAY)
    assert validate(sodai.schema, answers, today=TODAY) == {}
    answers["collection"]["preferred_date"] = "2026-12-08"  # tomorrow: too soon
    assert not fast_verdict(sodai.schema, answers, TODAY)
    assert "collection.preferred_date" in validate(sodai.schema, answers, today=TODAY)
    # a day later the same schema is judged against the new day, not the cached one's
    assert fast_verdict(sodai.schema, answers, dt.date(2026, 11, 20))


def test_values_it_cannot_take_and_schemas_it_cannot_compile_go_to_jsonschema() -> None:
    schema = {"type": "object", "properties": {"when": {"type": "string"}}, "required": ["when"]}
    # a Python date is not JSON: jsonschema-rs cannot convert it; jsonschema's verdict stands
    assert not fast_verdict(schema, {"when": dt.date(2026, 1, 1)}, TODAY)
    assert "when" in validate(schema, {"when": dt.date(2026, 1, 1)}, today=TODAY)
    broken = {"type": "object", "properties": {"code": {"type": "string", "pattern": "(?<!a"}}}
    assert not fast_verdict(broken, {"code": "x"}, TODAY)
