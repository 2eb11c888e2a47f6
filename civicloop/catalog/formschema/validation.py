# SPDX-License-Identifier: MPL-2.0
"""Answers checked against the schema (Draft 2020-12 plus `x-date-rule`): one message per field."""

import functools
from collections.abc import Collection, Iterator, Mapping
from datetime import date
from typing import Any

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


@functools.lru_cache(maxsize=4)
def _validator_for(today: date) -> Any:
    """Draft 2020-12 plus the `x-date-rule` keyword, judged against `today` (one class per day)."""

    def date_rule(_validator: Any, _rule: Any, instance: Any, node: Schema) -> Iterator[ValidationError]:
        day = parse_date(instance)
        try:
            rule = DateRule.of(node)
        except (KeyError, ValueError):  # a rule the loader would have refused: nothing to enforce
            return
        if day is not None and rule is not None and not rule.allows(day, today):
            yield ValidationError(f"{instance} is outside the date rule {node[RULE_KEY]}")

    return validators.extend(Draft202012Validator, {RULE_KEY: date_rule})


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
