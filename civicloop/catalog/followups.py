# SPDX-License-Identifier: MPL-2.0
"""ワンスオンリー: the procedures that follow a life event's first one, and what they carry over.

A procedure file that starts a life event (転入届, 出生届, 死亡届, 転出届, パートナーシップ) declares
`follow_ups`: the procedures a resident usually needs next, the reason shown to them, and for
each a mapping of its answers, written by the catalogue's editors and checked by the loader:

    follow_ups:
      life_event: moving
      procedures:
        - code: kokuho-ido
          reason: {ja: 国保に加入する方は14日以内に届出が必要です, en: …}
          answers:
            householder_address: {from: new_address}   # a field of the first procedure's answers
            change_kind: {value: join}                  # what the life event already says

Nothing is guessed from field names: a field no mapping names stays empty (or comes from the
sign-in through the target's own `x-prefill`). Everything here is pure: no database, no request.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from civicloop.catalog.formschema import Answers, Schema, resolve
from civicloop.core.language import is_english
from civicloop.core.models import tier_rank


@dataclass(frozen=True)
class FollowUp:
    """One procedure offered after the first one, with its reason and its declared answer mapping."""

    code: str
    reason_ja: str
    reason_en: str
    answers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.reason_en if is_english() else self.reason_ja


@dataclass(frozen=True)
class Declared:
    """What a procedure's `follow_ups` key declares."""

    life_event: str
    follow_ups: tuple[FollowUp, ...]

    def get(self, code: str) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.code == code), None)


def declared(definition: Mapping[str, Any]) -> Declared | None:
    """The follow-ups a (frozen) procedure definition declares; None when it declares none."""
    data = definition.get("follow_ups")
    if not data:
        return None
    return Declared(
        life_event=data["life_event"],
        follow_ups=tuple(
            FollowUp(
                code=item["code"],
                reason_ja=item["reason"]["ja"],
                reason_en=item["reason"]["en"],
                answers=item.get("answers", {}),
            )
            for item in data["procedures"]
        ),
    )


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fit(value: Any, node: Schema, root: Schema) -> Any:
    """`value` cut to what the target field holds: an object's or a row's own properties only."""
    node = resolve(root, node)
    if isinstance(value, Mapping) and node.get("type") == "object":
        properties = node.get("properties", {})
        kept = {k: _fit(v, properties[k], root) for k, v in value.items() if k in properties and not _is_empty(v)}
        return kept or None
    if isinstance(value, list) and node.get("type") == "array" and isinstance(node.get("items"), Mapping):
        rows = [_fit(row, node["items"], root) for row in value]
        return [row for row in rows if row is not None] or None
    return value


def carry_over(follow_up: FollowUp, source_answers: Mapping[str, Any], target_schema: Schema) -> Answers:
    """The target's answers the mapping gives from the first procedure's answers (a new dict).

    A source field the resident left empty gives nothing, so the target field stays for them.
    """
    properties = target_schema.get("properties", {})
    carried: Answers = {}
    for name, rule in follow_up.answers.items():
        if name not in properties:
            continue
        value = rule["value"] if "value" in rule else source_answers.get(rule["from"])
        fitted = None if _is_empty(value) else _fit(value, properties[name], target_schema)
        if fitted is not None:
            carried[name] = fitted
    return carried


def leaves(value: Any) -> Iterator[Any]:
    """Every filled input in an answer (a name is two to four, a list of people many)."""
    if isinstance(value, Mapping):
        for inner in value.values():
            yield from leaves(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from leaves(inner)
    elif not _is_empty(value):
        yield value


def count_inputs(answers: Mapping[str, Any]) -> int:
    """How many inputs `answers` fills: the measure of what a resident did not have to type."""
    return sum(1 for _ in leaves(answers))


def _shape(node: Schema, root: Schema) -> tuple[Any, ...]:
    """What must agree between a source and a target field for one value to suit both."""
    resolved = resolve(root, node)
    items = resolved.get("items")
    item_type = resolve(root, dict(items)).get("type") if isinstance(items, Mapping) else None
    return (resolved.get("type"), resolved.get("format"), item_type)


def problems(
    source: Mapping[str, Any],
    catalogue: Mapping[str, Mapping[str, Any]],
    life_events: set[str],
    withdrawn: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """(path, reason) for each declared follow-up the platform could not honour: read by the loader.

    A withdrawn procedure (file removed, rows kept) is not a problem, as in `related` lists: the
    bundle offers only published procedures, so withdrawing one does not block the next load.
    """
    spec = declared(source)
    if spec is None:
        return []
    found = []
    if spec.life_event not in life_events:
        found.append(("follow_ups/life_event", f"unknown life event {spec.life_event!r} (see life_events.yaml)"))
    source_schema = source["form"]["schema"]
    for i, follow_up in enumerate(spec.follow_ups):
        where = f"follow_ups/procedures/{i}"
        target = catalogue.get(follow_up.code)
        if follow_up.code == source["code"]:
            found.append((where, "a procedure cannot follow itself"))
        elif target is None and follow_up.code in withdrawn:
            continue
        elif target is None:
            found.append((where, f"unknown procedure {follow_up.code!r}"))
        else:
            found += [
                (f"{where}/answers/{n}", p) for n, p in _mapping_problems(follow_up, source, source_schema, target)
            ]
    return found


def _mapping_problems(
    follow_up: FollowUp, source: Mapping[str, Any], source_schema: Schema, target: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    target_schema = target["form"]["schema"]
    targets = target_schema.get("properties", {})
    sources = source_schema.get("properties", {})
    # Copying answers into a lower tier would publish SECRET data as OFFICIAL: fixed values only.
    downgrade = tier_rank(source["classification"]) > tier_rank(target["classification"])
    for name, rule in follow_up.answers.items():
        if name not in targets:
            yield name, f"{follow_up.code} has no field {name!r}"
        elif "value" in rule:
            enum = resolve(target_schema, targets[name]).get("enum")
            if enum is not None and rule["value"] not in enum:
                yield name, f"{rule['value']!r} is not one of {name}'s choices {enum}"
        elif downgrade:
            yield name, f"answers of a {source['classification']} procedure cannot be copied into {follow_up.code}"
        elif rule["from"] not in sources:
            yield name, f"{source['code']} has no field {rule['from']!r}"
        elif _shape(sources[rule["from"]], source_schema) != _shape(targets[name], target_schema):
            yield name, f"{rule['from']!r} and {name!r} do not hold the same kind of answer"


def _paths(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _paths(f"{prefix}.{key}", inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(f"{prefix}.{index}", inner)
    else:
        yield prefix, value


def _at(answers: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(answers, Mapping):
            answers = answers.get(part)
        elif isinstance(answers, list) and part.isdigit() and int(part) < len(answers):
            answers = answers[int(part)]
        else:
            return None
    return answers


def still_carried(carried: Mapping[str, Any], answers: Mapping[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(fields, inputs) of `answers` that still hold what was carried over: a changed one stops counting."""
    roots: set[str] = set()
    inputs: set[str] = set()
    for name, value in carried.items():
        same = {path for path, leaf in _paths(name, value) if _at(answers, path) == leaf}
        if same:
            roots.add(name)
            inputs |= same
    return frozenset(roots), frozenset(inputs)
