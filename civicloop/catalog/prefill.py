# SPDX-License-Identifier: MPL-2.0
"""Answers filled in from the identity a resident signed in with (`x-prefill` in a form schema).

The identity provider vouches for 基本4情報 (氏名, 住所, 生年月日; accounts.User keeps them as
given). A procedure marks the fields that describe the person applying:

    applicant: {$ref: "#/$defs/name", x-prefill: name}        # family, given, family_kana, given_kana
    applicant_address: {$ref: "#/$defs/address", x-prefill: address}
    applicant_birthdate: {$ref: "#/$defs/birthdate", x-prefill: birthdate}
    email: {$ref: "#/$defs/email", x-prefill: email}

Only empty answers are filled, once, when the draft starts; the resident can change any of them.
Whether a value still came from the sign-in is worked out by comparison (`sourced_paths`), so a
changed value simply stops being marked. Everything here is pure: no database, no request.
"""

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from civicloop.catalog.formschema import Answers, Schema, resolve

PREFILL_KEY = "x-prefill"
SOURCES = ("name", "address", "birthdate", "email")

PREFECTURES = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)
# 政令指定都市: their addresses name a ward after the city (横浜市中区).
DESIGNATED_CITIES = (
    "札幌市",
    "仙台市",
    "さいたま市",
    "千葉市",
    "横浜市",
    "川崎市",
    "相模原市",
    "新潟市",
    "静岡市",
    "浜松市",
    "名古屋市",
    "京都市",
    "大阪市",
    "堺市",
    "神戸市",
    "岡山市",
    "広島市",
    "北九州市",
    "福岡市",
    "熊本市",
)
# Cities whose own name holds 市, which a shortest match would cut short.
_CITIES_WITH_SHI = ("四日市市", "廿日市市", "野々市市")


@dataclass(frozen=True)
class Identity:
    """What the sign-in asserted about the resident (accounts.User's 基本4情報 and e-mail)."""

    full_name: str = ""
    full_name_kana: str = ""
    address: str = ""
    birthdate: date | None = None
    email: str = ""

    @classmethod
    def of(cls, user: Any) -> "Identity | None":
        """The identity of a signed-in resident; None for a guest or a member of staff."""
        if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_resident", False):
            return None
        return cls(
            full_name=user.full_name or "",
            full_name_kana=user.full_name_kana or "",
            address=user.address or "",
            birthdate=user.birthdate,
            email=user.email or "",
        )


def _split_name(full: str) -> tuple[str, str]:
    parts = unicodedata.normalize("NFKC", full).strip().split(maxsplit=1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else ("", "")


def _katakana(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in folded)


def split_address(address: str) -> dict[str, str]:
    """A written Japanese address in its IMI parts (postal_code, prefecture, city, town, block, building).

    "〒150-0042 東京都渋谷区宇田川町1-1 シブヤハイツ101" gives all six. A part that cannot be found
    with confidence is left out, and nothing at all is returned without a known prefecture: the
    resident types what is missing, which is better than a wrong split.
    """
    text = unicodedata.normalize("NFKC", address).strip()
    parts: dict[str, str] = {}
    if postal := re.match(r"^〒?\s*(\d{3})-?(\d{4})\s*", text):
        parts["postal_code"] = f"{postal.group(1)}-{postal.group(2)}"
        text = text[postal.end() :]
    prefecture = next((p for p in PREFECTURES if text.startswith(p)), None)
    if prefecture is None:
        return {k: v for k, v in parts.items() if k == "postal_code"}
    parts["prefecture"] = prefecture
    rest = text[len(prefecture) :]
    city = _city(rest)
    if city is None:
        return parts
    parts["city"] = city
    rest = rest[len(city) :]
    place, _sep, building = rest.partition(" ")
    town = re.match(r"^(.+?)(?=\d|[一二三四五六七八九十]+丁目|$)", place)
    if town:
        parts["town"] = town.group(1)
        if block := place[town.end() :].strip():
            parts["block"] = block
    if building.strip():
        parts["building"] = building.strip()
    return parts


def _city(rest: str) -> str | None:
    for name in (*DESIGNATED_CITIES, *_CITIES_WITH_SHI):
        if rest.startswith(name):
            ward = re.match(r"^.+?区", rest[len(name) :]) if name in DESIGNATED_CITIES else None
            return name + (ward.group(0) if ward else "")
    # 郡 before any 市/区: 西多摩郡瑞穂町. Not 大和郡山市, whose 郡 is part of a city's name.
    if county := re.match(r"^[^市区]+?郡[^市区]+?[町村]", rest):
        return county.group(0)
    if city := re.match(r"^.+?[市区]", rest):
        return city.group(0)
    village = re.match(r"^.+?[町村]", rest)
    return village.group(0) if village else None


def _value(source: str, node: Schema, identity: Identity) -> Any:
    """The answer `identity` gives for a field marked `x-prefill: source` (None when it has none)."""
    properties = node.get("properties", {})
    if source == "name":
        family, given = _split_name(identity.full_name)
        family_kana, given_kana = _split_name(_katakana(identity.full_name_kana))
        values = {"family": family, "given": given, "family_kana": family_kana, "given_kana": given_kana}
        return {k: v for k, v in values.items() if v and k in properties} or None
    if source == "address":
        return {k: v for k, v in split_address(identity.address).items() if k in properties} or None
    if source == "birthdate":
        return identity.birthdate.isoformat() if identity.birthdate else None
    if source == "email":
        return identity.email or None
    return None


def targets(schema: Schema) -> Iterator[tuple[str, str, Schema]]:
    """(dotted path, source, node) for every `x-prefill` field outside repeated rows."""
    stack: list[tuple[str, Schema]] = [(name, node) for name, node in schema.get("properties", {}).items()]
    while stack:
        path, node = stack.pop(0)
        node = resolve(schema, node)
        if PREFILL_KEY in node:
            yield path, str(node[PREFILL_KEY]), node
        elif node.get("type") == "object":
            stack += [(f"{path}.{name}", child) for name, child in node.get("properties", {}).items()]


def _get(answers: Mapping[str, Any], path: str) -> Any:
    value: Any = answers
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _leaves(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _leaves(f"{path}.{key}", inner)
    else:
        yield path, value


def prefill(schema: Schema, answers: Mapping[str, Any], identity: Identity) -> Answers:
    """`answers` with every empty `x-prefill` leaf filled from `identity` (a new dict)."""
    filled: Answers = {k: v for k, v in answers.items()}
    for path, source, node in targets(schema):
        value = _value(source, node, identity)
        for leaf, leaf_value in _leaves(path, value) if value is not None else []:
            if _get(filled, leaf) in (None, ""):
                _set(filled, leaf, leaf_value)
    return filled


def _set(answers: Answers, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = answers
    for part in parents:
        child = node.get(part)
        # Copy on the way down, so the caller's nested answers are never changed in place.
        node[part] = dict(child) if isinstance(child, Mapping) else {}
        node = node[part]
    node[last] = value


@dataclass(frozen=True)
class Sourced:
    """Which answers still hold what the sign-in gave: whole fields (`roots`) and single inputs (`leaves`)."""

    roots: frozenset[str] = frozenset()
    leaves: frozenset[str] = frozenset()


def sourced_paths(schema: Schema, answers: Mapping[str, Any], identity: Identity | None) -> Sourced:
    if identity is None:
        return Sourced()
    roots: set[str] = set()
    leaves: set[str] = set()
    for path, source, node in targets(schema):
        value = _value(source, node, identity)
        same = {leaf for leaf, v in (_leaves(path, value) if value is not None else []) if _get(answers, leaf) == v}
        if same:
            roots.add(path)
            leaves |= same
    return Sourced(frozenset(roots), frozenset(leaves))


def target_problems(schema: Schema) -> list[tuple[str, str]]:
    """(dotted path, reason) for each `x-prefill` the form engine cannot fill: read by the loader."""
    problems = []
    for path, source, node in _all_marked(schema, schema, ""):
        if "#" in path:
            problems.append((path, f"{PREFILL_KEY} cannot be used inside repeated rows"))
        elif source not in SOURCES:
            problems.append((path, f"{PREFILL_KEY} must be one of {', '.join(SOURCES)}, not {source!r}"))
        elif source in {"name", "address"} and node.get("type") != "object":
            problems.append((path, f"{PREFILL_KEY}: {source} is for a group such as $defs/{source}"))
        elif source == "name" and not {"family", "given"} <= set(node.get("properties", {})):
            problems.append((path, f"{PREFILL_KEY}: name needs the properties family and given"))
        elif source == "address" and not {"prefecture", "city"} <= set(node.get("properties", {})):
            problems.append((path, f"{PREFILL_KEY}: address needs the properties prefecture and city"))
        elif source in {"birthdate", "email"} and node.get("format") != ("date" if source == "birthdate" else "email"):
            wanted = "date" if source == "birthdate" else "email"
            problems.append((path, f"{PREFILL_KEY}: {source} is for a field with format: {wanted}"))
    return problems


def _all_marked(root: Schema, node: Schema, path: str) -> Iterator[tuple[str, str, Schema]]:
    node = resolve(root, node)
    if PREFILL_KEY in node and path:
        yield path, str(node[PREFILL_KEY]), node
    for name, child in node.get("properties", {}).items():
        yield from _all_marked(root, child, f"{path}.{name}" if path else name)
    if isinstance(node.get("items"), Mapping):
        yield from _all_marked(root, node["items"], f"{path}.#")
