# SPDX-License-Identifier: MPL-2.0
"""OCEL 2.0 JSON from a stream of events, in bounded memory (docs/process-mining.md).

OCEL puts all objects before all events in one document, and an object's attributes and links
are spread over the events that touch it (every workflow task is an object: about as many objects
as events). So the writer makes one pass over the events and keeps nothing per object in memory:
- each event's JSON goes to a spool file;
- each (object, event) fact — the object's type, the attributes this event states about it, the
  links when it is the subject — goes into runs of at most `RUN_LINES` lines, each run sorted in
  memory and written to its own file;
- at the end the runs are merged (heapq.merge: one line per run in memory), grouped by object,
  and each object is written out; then the events are copied in after them.
"""

import heapq
import itertools
import json
import math
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from civicloop.core.events import TYPE_PREFIX

_quote = json.encoder.encode_basestring  # C-accelerated, keeps non-ASCII as is

OBJECT_TYPES = ("application", "case", "task", "document")
# Data fields that name another object: field → object type. The subject names the first one.
REFERENCE_FIELDS = {"application": "application", "case": "case", "task_id": "task", "document": "document"}
# Attributes that describe the object itself, per object type, taken from the events about it.
OBJECT_ATTRIBUTES = {
    "application": ("procedure",),
    "case": ("department", "procedure"),
    "task": ("task", "department", "procedure"),
    "document": ("kind",),
}
RUN_LINES = 200_000
_STATED_CACHE = 10_000  # distinct attribute combinations kept encoded; beyond it, encode each time

# (id, type, subject, time, data, classification): what the writer needs of an event.
OcelRow = tuple[Any, str, str, datetime, dict[str, Any], str]


_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string"}


def ocel_type(value: Any) -> str:
    return _TYPES.get(type(value), "string")


def ocel_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    """JSON text of an attribute value; strings through the C string encoder (the hot path)."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or (kind is float and math.isfinite(value)):
        return repr(value)
    if kind is float:
        return "null"  # NaN and infinities have no JSON form
    return _quote(ocel_value(value))


def merge_type(known: str | None, new: str) -> str:
    if known is None or known == new:
        return new
    if {known, new} == {"integer", "float"}:
        return "float"
    return "string"


def ocel_activity(event_type: str, data: dict[str, Any]) -> str:
    """The OCEL event type: the short type, and for a completed task also which BPMN task.

    `case.task_completed:review` makes each workflow step its own activity in a mining tool.
    """
    short = event_type.removeprefix(TYPE_PREFIX)
    if short == "case.task_completed" and isinstance(data.get("task"), str):
        return f"{short}:{data['task']}"
    return short


def references(subject: str, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The objects an event is about: (object id, object type, qualifier), the subject first."""
    refs: list[tuple[str, str, str]] = []
    kind, _, ident = subject.partition("/")
    if kind in OBJECT_TYPES and _usable(ident):
        refs.append((subject, kind, "subject"))
    for name, object_type in REFERENCE_FIELDS.items():
        value = data.get(name)
        if isinstance(value, str) and _usable(value):
            object_id = f"{object_type}/{value}"
            if all(object_id != ref[0] for ref in refs):
                refs.append((object_id, object_type, name))
    return refs


def _usable(ident: str) -> bool:
    """An id the fact lines can carry (ours are UUIDs; anything with a tab or newline is not an id)."""
    return bool(ident) and "\t" not in ident and "\n" not in ident


class OcelWriter:
    """Feed events with `add()`, then `write(out)` the document. Use as a context manager."""

    def __init__(self, work_dir: Path) -> None:
        self._dir = tempfile.TemporaryDirectory(dir=work_dir, prefix=".ocel-")
        folder = Path(self._dir.name)
        self._events_path = folder / "events"
        self._events = open(self._events_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in write()/close()
        self._runs: list[Path] = []
        self._facts: list[str] = []
        self.event_types: dict[str, dict[str, str]] = {}
        self.object_types: dict[str, dict[str, str]] = {t: {} for t in OBJECT_TYPES}
        self.count = 0
        self._encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self._shapes: set[tuple[str, ...]] = set()
        self._stated: dict[tuple[str, tuple[Any, ...]], str] = {}

    def __enter__(self) -> "OcelWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._events.closed:
            self._events.close()
        self._dir.cleanup()

    def add(self, row: OcelRow) -> None:
        event_id, event_type, subject, time, data, classification = row
        refs = references(subject, data)
        if not refs:
            return  # an event about no process object (a sign-in, a catalogue load) is not mined
        stamp = time.isoformat()
        activity = ocel_activity(event_type, data)
        for object_id, object_type, qualifier in refs:
            self._fact(object_id, object_type, stamp, data, refs[1:] if qualifier == "subject" else [])
        relationships = ",".join(f'{{"objectId":{_quote(oid)},"qualifier":"{q}"}}' for oid, _t, q in refs)
        attributes = self._event_attributes(activity, data, classification)
        if self.count:
            self._events.write(",\n")
        self._events.write(
            f'{{"id":"{event_id}","type":{_quote(activity)},"time":"{stamp}",'
            f'"attributes":[{attributes}],"relationships":[{relationships}]}}'
        )
        self.count += 1

    def _event_attributes(self, activity: str, data: dict[str, Any], classification: str) -> str:
        """The event's attributes as JSON text; their names and types are declared once per shape."""
        parts = [f'{{"name":"classification","value":{_quote(classification)}}}']
        shape = [activity]
        for name, value in data.items():
            if name in REFERENCE_FIELDS or value is None:
                continue
            shape.append(name)
            shape.append(type(value).__name__)
            parts.append(f'{{"name":{_quote(name)},"value":{_json(value)}}}')
        key = tuple(shape)
        if key not in self._shapes:
            self._shapes.add(key)
            declared = self.event_types.setdefault(activity, {"classification": "string"})
            for name, value in data.items():
                if name not in REFERENCE_FIELDS and value is not None:
                    kind = "time" if name.endswith("_at") and isinstance(value, str) else ocel_type(value)
                    declared[name] = merge_type(declared.get(name), kind)
        return ",".join(parts)

    def _fact(
        self, object_id: str, object_type: str, stamp: str, data: dict[str, Any], links: list[tuple[str, str, str]]
    ) -> None:
        """One line: `object id \t event number \t type \t time \t [attributes, links]`; sorts by object, then event."""
        values = tuple(data.get(name) for name in OBJECT_ATTRIBUTES[object_type])
        key = (
            object_type,
            tuple(v if isinstance(v, (str, int, float, bool)) or v is None else repr(v) for v in values),
        )
        stated = self._stated.get(key)
        if stated is None:  # few distinct combinations (procedure × department × task): encode each once
            declared = self.object_types[object_type]
            pairs = []
            for name, value in zip(OBJECT_ATTRIBUTES[object_type], values, strict=True):
                if value is not None:
                    declared[name] = merge_type(declared.get(name), ocel_type(value))
                    pairs.append([name, ocel_value(value)])
            stated = self._encode(pairs)
            if len(self._stated) < _STATED_CACHE:
                self._stated[key] = stated
        linked = "[" + ",".join(f'[{_quote(other)},"{q}"]' for other, _t, q in links) + "]"
        self._facts.append(f"{object_id}\t{self.count:012d}\t{object_type}\t{stamp}\t[{stated},{linked}]\n")
        if len(self._facts) >= RUN_LINES:
            self._flush_run()

    def _flush_run(self) -> None:
        self._facts.sort()
        path = Path(self._dir.name) / f"run-{len(self._runs)}"
        path.write_text("".join(self._facts), encoding="utf-8")
        self._runs.append(path)
        self._facts.clear()

    def _sorted_facts(self) -> Iterator[str]:
        self._facts.sort()
        files = [open(path, encoding="utf-8") for path in self._runs]  # noqa: SIM115 - closed below
        try:
            yield from heapq.merge(self._facts, *files)
        finally:
            for handle in files:
                handle.close()

    def write(self, out: IO[str]) -> None:
        """The document: types, then objects (merged from the runs), then the spooled events."""
        self._events.close()
        encode = self._encode
        out.write('{"objectTypes":')
        out.write(encode([_declare(name, attrs) for name, attrs in self.object_types.items()]))
        out.write(',\n"eventTypes":')
        out.write(encode([_declare(name, attrs) for name, attrs in sorted(self.event_types.items())]))
        out.write(',\n"objects":[\n')
        grouped = itertools.groupby(self._sorted_facts(), key=lambda line: line.partition("\t")[0])
        for index, (object_id, lines) in enumerate(grouped):
            if index:
                out.write(",\n")
            out.write(_object(object_id, lines))
        out.write('\n],\n"events":[\n')
        with open(self._events_path, encoding="utf-8") as spooled:
            while chunk := spooled.read(1 << 20):
                out.write(chunk)
        out.write("\n]}\n")


def _declare(name: str, attributes: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "attributes": [{"name": n, "type": t} for n, t in sorted(attributes.items())]}


def _object(object_id: str, lines: Iterable[str]) -> str:
    """An object's JSON from its facts in event order: attribute values when they change, links once."""
    object_type = ""
    attributes: list[str] = []
    last: dict[str, Any] = {}
    links: dict[str, str] = {}
    for line in lines:
        _id, _n, object_type, stamp, payload = line.rstrip("\n").split("\t", 4)
        stated, linked = json.loads(payload)
        for name, value in stated:
            if name not in last or last[name] != value:
                last[name] = value
                attributes.append(f'{{"name":{_quote(name)},"time":"{stamp}","value":{_json(value)}}}')
        for other, qualifier in linked:
            links.setdefault(other, qualifier)
    relationships = ",".join(f'{{"objectId":{_quote(other)},"qualifier":{_quote(q)}}}' for other, q in links.items())
    return (
        f'{{"id":{_quote(object_id)},"type":"{object_type}","attributes":[{",".join(attributes)}],'
        f'"relationships":[{relationships}]}}'
    )


def write_ocel(rows: Iterable[OcelRow], out: IO[str], *, work_dir: Path) -> int:
    """An OCEL 2.0 JSON document of the events that concern application/case/task/document objects."""
    with OcelWriter(work_dir) as writer:
        for row in rows:
            writer.add(row)
        writer.write(out)
        return writer.count
