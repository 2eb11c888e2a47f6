# SPDX-License-Identifier: MPL-2.0
"""The approval route of a case, from the 専決規程 table (procedures/_shared/approval_rules.yaml)."""

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from civicloop.accounts.models import POSITION_RANK, Position

# 起案 and 決裁 bind the municipality: the second factor must be at most this old (else asked again),
# on the page (cases/views.py) and through the back-office API alike.
APPROVAL_REAUTH_SECONDS = 30 * 60


class RulesError(Exception):
    """The rules file is missing, malformed or names an unknown rank."""


@dataclass(frozen=True)
class Route:
    rule_ja: str
    rule_en: str
    levels: tuple[str, ...]
    amount: int


def rules_path() -> Path:
    return Path(settings.PROCEDURES_DIR) / "_shared" / "approval_rules.yaml"


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    problems = check_rules(data)
    if problems:
        raise RulesError(f"{Path(path).name}: " + "; ".join(problems))
    return data


def check_rules(data: Any) -> list[str]:
    """What is wrong with a rules table (empty when it is usable)."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not data["rules"]:
        return ["the file needs a non-empty `rules` list"]
    problems = []
    for i, rule in enumerate(data["rules"]):
        if not isinstance(rule, dict) or not isinstance(rule.get("route"), list):
            problems.append(f"rules/{i}: needs a `route` list")
            continue
        unknown = [level for level in rule["route"] if level not in POSITION_RANK or level == Position.CLERK]
        if unknown:
            problems.append(f"rules/{i}: unknown rank(s) {unknown} (use {', '.join(list(POSITION_RANK)[1:])})")
        ranks = [POSITION_RANK[level] for level in rule["route"] if level in POSITION_RANK]
        if ranks != sorted(set(ranks)):
            problems.append(f"rules/{i}: the route must go up in rank, each rank once")
    catch_all = {
        rule.get("kind") for rule in data["rules"] if isinstance(rule, dict) and set(rule) <= {"name", "route", "kind"}
    }
    for kind in ("application", "notification"):
        if kind not in catch_all and None not in catch_all:
            problems.append(f"no rule catches every {kind}: add one that matches by `kind` only")
    return problems


def _amount(answers: dict[str, Any], path: str | None) -> int:
    value: Any = answers
    for part in (path or "").split(".") if path else []:
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def route_for(procedure: str, kind: str, answers: dict[str, Any]) -> Route:
    """The ranks that must approve, in order: the first matching rule of the table."""
    path = rules_path()
    table = _load(str(path), path.stat().st_mtime)
    amount = _amount(answers, (table.get("amounts") or {}).get(procedure))
    for rule in table["rules"]:
        if "procedures" in rule and procedure not in rule["procedures"]:
            continue
        if "kind" in rule and rule["kind"] != kind:
            continue
        if "amount_at_least" in rule and amount < int(rule["amount_at_least"]):
            continue
        name = rule.get("name") or {}
        return Route(name.get("ja", ""), name.get("en", ""), tuple(rule["route"]), amount)
    raise RulesError(f"no approval rule matches {procedure} ({kind})")
