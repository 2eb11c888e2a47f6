# SPDX-License-Identifier: MPL-2.0
"""Answers checked against the schema (Draft 2020-12 plus `x-date-rule`): one message per field.

Two validators, one verdict. Most answers that reach `validate` are valid (a submission, a step
saved without mistakes), and for those only the verdict matters: jsonschema-rs, compiled once per
schema and day, gives it in about a seventh of the time (docs/dependencies.md). Answers it refuses go
through jsonschema, whose errors carry what the messages need (the keyword, its value, the path).
Both use the same format checks and the same date rule, and tests hold
them to the same verdict on every procedure's generated answers and their mutations
(catalog/tests/test_fast_validation.py).
"""

import functools
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date
from typing import Any

import jsonschema_rs
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from civicloop.catalog import phone
from civicloop.catalog.daterules import RULE_KEY, DateRule, parse_date
from civicloop.catalog.formschema.fields import Schema, node_at
from civicloop.catalog.formschema.messages import error_message, qualified_label

_FORMAT_CHECKER = FormatChecker(formats=["date"])
# Django's rule rather than jsonschema's (which only wants an "@"): the domain needs a dot, so
# taro@example is refused. No allowlist: a resident's address is never @localhost.
_EMAIL_VALIDATOR = EmailValidator(allowlist=[])


def _is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        _EMAIL_VALIDATOR(value)
    except DjangoValidationError:
        return False
    return True


# Registered by call, not as decorators: FormatChecker.checks is untyped and would untype them.
_FORMAT_CHECKER.checks("email")(_is_email)
_FORMAT_CHECKER.checks(phone.FORMAT)(phone.is_phone)


def _expand(error: ValidationError) -> Iterator[ValidationError]:
    if error.validator in {"allOf", "anyOf", "oneOf", "if", "then"} and error.context:
        for sub in error.context:
            yield from _expand(sub)
    else:
        yield error


def _outside_date_rule(node: Schema, instance: Any, today: date) -> bool:
    day = parse_date(instance)
    try:
        rule = DateRule.of(node)
    except (KeyError, ValueError):  # a rule the loader would have refused: nothing to enforce
        return False
    return day is not None and rule is not None and not rule.allows(day, today)


@functools.lru_cache(maxsize=4)
def _validator_for(today: date) -> Any:
    """Draft 2020-12 plus the `x-date-rule` keyword, judged against `today` (one class per day)."""

    def date_rule(_validator: Any, _rule: Any, instance: Any, node: Schema) -> Iterator[ValidationError]:
        if _outside_date_rule(node, instance, today):
            yield ValidationError(f"{instance} is outside the date rule {node[RULE_KEY]}")

    return validators.extend(Draft202012Validator, {RULE_KEY: date_rule})


# --- the verdict alone, compiled -----------------------------------------------------------------


# The same checks as _FORMAT_CHECKER's, by name: a format jsonschema does not check here is not
# checked there either (an unknown format passes both; jsonschema-rs's own checks for formats no
# schema uses could only refuse more, and a refusal goes to jsonschema for its verdict anyway).
def _format_check(name: str) -> Callable[[object], bool]:
    return lambda value: bool(_FORMAT_CHECKER.conforms(value, name))


_FAST_FORMATS = {name: _format_check(name) for name in _FORMAT_CHECKER.checkers}
# Compiled validators by the schema's identity (the catalogue cache hands out the same schema
# object for a while; loaded schemas are never changed in place), then by its text.
_by_identity: dict[int, tuple[Schema, date, Any]] = {}
_IDENTITIES = 256


def _date_rule_keyword(today: date) -> type:
    class DateRuleKeyword:
        """`x-date-rule` for jsonschema-rs: the same rule against the same day as _validator_for's."""

        def __init__(self, parent_schema: Schema, _value: Any, _schema_path: Any) -> None:
            self.node = parent_schema

        def validate(self, instance: Any) -> None:
            if _outside_date_rule(self.node, instance, today):
                raise ValueError(f"{instance} is outside the date rule")

    return DateRuleKeyword


@functools.lru_cache(maxsize=64)
def _compiled(schema_text: str, today: date) -> Any:
    """A jsonschema-rs validator for the schema, or None when it cannot compile one (jsonschema decides)."""
    try:
        return jsonschema_rs.Draft202012Validator(
            json.loads(schema_text),
            formats=_FAST_FORMATS,
            validate_formats=True,
            keywords={RULE_KEY: _date_rule_keyword(today)},
        )
    except ValueError:  # jsonschema_rs.ValidationError too: a schema it cannot take is left to jsonschema
        return None


def _fast_validator(schema: Schema, today: date) -> Any:
    hit = _by_identity.get(id(schema))
    if hit is not None and hit[0] is schema and hit[1] == today:
        return hit[2]
    validator = _compiled(json.dumps(schema, sort_keys=True), today)
    if len(_by_identity) >= _IDENTITIES:
        _by_identity.clear()
    _by_identity[id(schema)] = (schema, today, validator)  # holding the schema keeps its id unique
    return validator


def fast_verdict(schema: Schema, answers: Any, today: date) -> bool:
    """True when jsonschema-rs finds the answers valid; False when it does not, or cannot tell."""
    validator = _fast_validator(schema, today)
    if validator is None:
        return False
    try:
        return bool(validator.is_valid(answers))
    except ValueError:  # a value it cannot convert (not JSON): jsonschema decides
        return False


def validate(
    schema: Schema,
    answers: Any,
    *,
    english: bool = False,
    today: date | None = None,
    date_rules_on: Collection[str] | None = None,
) -> dict[str, str]:
    """Map each invalid field's dotted path to one message in the active language.

    Date rules (`x-date-rule`) count from `today` (Asia/Tokyo by default). `date_rules_on` limits
    them to some top-level fields: a 補正 re-checks the whole application, but a date chosen weeks
    ago must only be judged against today when the resident is asked to change it.
    """
    today = today or timezone.localdate()
    if date_rules_on is None and fast_verdict(schema, answers, today):
        return {}
    return _errors(schema, answers, english, today, date_rules_on)


def _errors(
    schema: Schema, answers: Any, english: bool, today: date, date_rules_on: Collection[str] | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    validator = _validator_for(today)(schema, format_checker=_FORMAT_CHECKER)
    for top in validator.iter_errors(answers):
        for error in _expand(top):
            path = list(error.absolute_path)
            if error.validator == RULE_KEY and date_rules_on is not None and (path[:1] or [""])[0] not in date_rules_on:
                continue
            if error.validator == "required" and isinstance(error.instance, dict):
                for name in error.validator_value:
                    if name not in error.instance:
                        _missing(schema, error, [*path, name], errors, english)
                continue
            key = ".".join(map(str, path)) or "__all__"
            label = qualified_label(schema, path, english) if path else ""
            errors.setdefault(key, error_message(error, node_at(schema, path), english, label, today))
    return errors


def _missing(schema: Schema, error: ValidationError, path: list[Any], errors: dict[str, str], english: bool) -> None:
    """A missing group is reported field by field, so each empty input gets its own message."""
    node = node_at(schema, path)
    if node.get("type") == "object" and node.get("required"):
        for name in node["required"]:
            _missing(schema, error, [*path, name], errors, english)
        return
    errors.setdefault(
        ".".join(map(str, path)), error_message(error, node, english, qualified_label(schema, path, english))
    )


def errors_for(errors: Mapping[str, str], names: list[str]) -> dict[str, str]:
    """Only the errors under the given top-level fields (one step's share)."""
    return {k: v for k, v in errors.items() if k.split(".")[0] in names}
