# SPDX-License-Identifier: MPL-2.0
"""Plausible residents and form answers for generated data (`manage.py generate_cases`).

Fictional people whose names keep rare characters (𠮷, 髙, 﨑, 邊) as real registers do, addresses
in the demo ward, and answers drawn from each procedure's own JSON Schema, kept only when the form
accepts them.
"""

import random
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import resolve, validate

with warnings.catch_warnings():
    # Python's own regex parser, used to write strings that match a form's patterns. Deprecated
    # under these names only (it lives on as re._parser, which has no type stubs).
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants
    import sre_parse

FAMILY = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("髙橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("渡邊", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("𠮷田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
    ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"), ("山崎", "ヤマザキ"), ("山﨑", "ヤマザキ"),
    ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"),
    ("渋谷", "シブヤ"), ("長谷川", "ハセガワ"), ("近藤", "コンドウ"), ("岡田", "オカダ"), ("邊見", "ヘンミ"),
]  # fmt: skip
GIVEN = [
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("翔太", "ショウタ"), ("陽菜", "ヒナ"), ("蓮", "レン"),
    ("結衣", "ユイ"), ("大翔", "ヒロト"), ("さくら", "サクラ"), ("健", "ケン"), ("美咲", "ミサキ"),
    ("一郎", "イチロウ"), ("由美子", "ユミコ"), ("誠", "マコト"), ("恵子", "ケイコ"), ("湊", "ミナト"),
    ("葵", "アオイ"), ("浩二", "コウジ"), ("真由美", "マユミ"), ("悠真", "ユウマ"), ("凛", "リン"),
]  # fmt: skip
TOWNS = [
    ("宇田川町", "150-0042"), ("神南", "150-0041"), ("道玄坂", "150-0043"), ("恵比寿", "150-0013"),
    ("恵比寿西", "150-0021"), ("代々木", "151-0053"), ("千駄ヶ谷", "151-0051"), ("笹塚", "151-0073"),
    ("幡ヶ谷", "151-0072"), ("本町", "151-0071"), ("初台", "151-0061"), ("広尾", "150-0012"),
    ("神宮前", "150-0001"), ("松濤", "150-0046"), ("富ヶ谷", "151-0063"), ("上原", "151-0064"),
]  # fmt: skip
BUILDINGS = ["", "", "", "シブヤハイツ101", "コーポ代々木203", "恵比寿レジデンス502", "笹塚マンション1105"]
PHRASES = [
    "特になし", "平日の午前中を希望します", "書類は郵送でお願いします", "窓口で受け取ります",
    "前回の申請から住所が変わりました", "急ぎではありません", "勤務先への連絡は控えてください",
    "詳細は添付の書類をご確認ください", "電話は夕方以降だとつながりやすいです", "家族と相談のうえ申請します",
]  # fmt: skip


@dataclass(frozen=True)
class Person:
    family: str
    given: str
    family_kana: str
    given_kana: str
    birthdate: date

    @classmethod
    def draw(cls, rng: random.Random) -> "Person":
        (family, family_kana), (given, given_kana) = rng.choice(FAMILY), rng.choice(GIVEN)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
        return cls(family, given, family_kana, given_kana, born)

    def name_answer(self) -> dict[str, str]:
        return {
            "family": self.family,
            "given": self.given,
            "family_kana": self.family_kana,
            "given_kana": self.given_kana,
        }


def address_answer(rng: random.Random) -> dict[str, str]:
    town, postal_code = rng.choice(TOWNS)
    answer = {
        "postal_code": postal_code,
        "prefecture": "東京都",
        "city": "渋谷区",
        "town": town,
        "block": f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
    }
    if building := rng.choice(BUILDINGS):
        answer["building"] = building
    return answer


def from_pattern(rng: random.Random, pattern: str) -> str:
    """A string that matches `pattern` (the simple regexes procedure files use)."""
    return _emit(rng, sre_parse.parse(pattern))


def _emit(rng: random.Random, items: Any) -> str:
    out: list[str] = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.IN:
            out.append(_pick(rng, arg))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, sub = arg
            out += [_emit(rng, sub) for _ in range(rng.randint(low, min(high, low + 4)))]
        elif op is sre_constants.SUBPATTERN:
            out.append(_emit(rng, arg[-1]))
        elif op is sre_constants.BRANCH:
            out.append(_emit(rng, rng.choice(arg[1])))
        elif op is sre_constants.ANY:
            out.append(rng.choice("abcdefghjkmnpqrstuvwxyz"))
        elif op is not sre_constants.AT:
            raise ValueError(f"pattern element {op} is not supported")
    return "".join(out)


def _pick(rng: random.Random, items: Any) -> str:
    choices: list[str] = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            choices.append(chr(arg))
        elif op is sre_constants.RANGE:
            choices.append(chr(rng.randint(arg[0], arg[1])))
        elif op is sre_constants.CATEGORY and arg is sre_constants.CATEGORY_DIGIT:
            choices.append(str(rng.randint(0, 9)))
        else:
            raise ValueError(f"character class element {op} is not supported")
    return rng.choice(choices)


class AnswerFaker:
    """Answers that fit one procedure's JSON Schema, with plausible names, addresses and dates."""

    def __init__(self, rng: random.Random, schema: dict[str, Any], today: date) -> None:
        self.rng, self.schema, self.today = rng, schema, today

    def answers(self) -> dict[str, Any]:
        value = self.value("", self.schema)
        return value if isinstance(value, dict) else {}

    def value(self, name: str, node: dict[str, Any]) -> Any:
        node = resolve(self.schema, node)
        rng = self.rng
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return rng.choice(node["enum"])
        kind = node.get("type")
        if kind == "object":
            return self.object(node)
        if kind == "array":
            return self.array(name, node)
        if kind == "boolean":
            return rng.random() < 0.6
        if kind in ("integer", "number"):
            return self.number(name, node)
        return self.string(name, node)

    def object(self, node: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = node.get("properties", {})
        if {"family", "given"} <= props.keys():
            return Person.draw(self.rng).name_answer()
        if {"postal_code", "town", "block"} <= props.keys():
            return address_answer(self.rng)
        required = set(node.get("required", []))
        return {
            key: self.value(key, child) for key, child in props.items() if key in required or self.rng.random() < 0.7
        }

    def array(self, name: str, node: dict[str, Any]) -> list[Any]:
        items = resolve(self.schema, node.get("items", {}))
        low = node.get("minItems", 0)
        if "enum" in items:
            high = min(node.get("maxItems", len(items["enum"])), len(items["enum"]))
            return self.rng.sample(items["enum"], self.rng.randint(max(low, 1 if high else 0), high))
        high = min(node.get("maxItems", 3), max(low, 3))
        return [self.value(name, items) for _ in range(self.rng.randint(max(low, 1), max(high, 1)))]

    def number(self, name: str, node: dict[str, Any]) -> int | float:
        low = node.get("minimum", node.get("exclusiveMinimum", -1) + 1)
        money = any(word in name for word in ("amount", "income", "rent", "yen", "cost", "price", "asset", "savings"))
        high = node.get("maximum", node.get("exclusiveMaximum", low + (300_001 if money else 10)) - 1)
        value = self.rng.randint(int(low), int(max(low, high)))
        if money and value > 1000:
            value -= value % 1000
        return value if node.get("type") == "integer" else float(value)

    def string(self, name: str, node: dict[str, Any]) -> str:
        rng, fmt = self.rng, node.get("format")
        if fmt == "date":
            if "birth" in name:
                return (date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 80))).isoformat()
            return (self.today + timedelta(days=rng.randint(-60, 30))).isoformat()
        if fmt == "email":
            return f"user{rng.randrange(10**6)}@example.jp"
        if name.endswith("kana"):
            return rng.choice(FAMILY)[1] + "　" + rng.choice(GIVEN)[1] if "holder" in name else rng.choice(GIVEN)[1]
        if "phone" in name or "tel" in name:
            return rng.choice(["03", "090", "080"]) + f"-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        if pattern := node.get("pattern"):
            return from_pattern(rng, pattern)
        text = "。".join(rng.sample(PHRASES, 3)) if node.get("x-widget") == "textarea" else rng.choice(PHRASES)
        return text[: node.get("maxLength", 400)] or "なし"


def answer_pool(definition: Definition, rng: random.Random, today: date, size: int) -> tuple[list[dict[str, Any]], int]:
    """`size` answers valid for the form (or the closest found), and how many draws the form refused."""
    faker = AnswerFaker(rng, definition.schema, today)
    pool: list[dict[str, Any]] = []
    refused = 0
    best: tuple[int, dict[str, Any]] | None = None
    for _attempt in range(size * 20):
        answers = definition.prune(faker.answers())
        errors = validate(definition.schema, answers)
        if not errors:
            pool.append(answers)
            if len(pool) == size:
                break
        else:
            refused += 1
            if best is None or len(errors) < best[0]:
                best = (len(errors), answers)
    if not pool and best is not None:
        pool.append(best[1])
    return pool, refused
