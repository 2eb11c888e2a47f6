# SPDX-License-Identifier: MPL-2.0
"""Event-log exports: CloudEvents JSON lines and OCEL 2.0 JSON (docs/process-mining.md).

Both stream the event table (a server-side cursor on PostgreSQL), so an export of millions of
events holds one chunk of rows at a time; OCEL sorts its objects on disk (relay.ocel).

Who may export what is decided once, in `export_scope`, from the one policy's tiers
(core.models.TIER_RANK) and the DOMAIN.md handling rules; see the function.
"""

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from civicloop.accounts.models import Role, User
from civicloop.core import audit
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import TIER_RANK, Classification, Event
from civicloop.relay import ocel, parquet

FORMATS = ("cloudevents", "ocel", "parquet")
_CHUNK = 5000
_ROW_FIELDS = ("id", "source", "type", "subject", "time", "data_text", "classification", "position")
# (id, source, type, subject, time, data as JSON text, classification, position)
Row = tuple[Any, str, str, str, datetime, str, str, int | None]


class ExportRefused(Exception):
    """The requester may not make this export (not staff, or asking for more than allowed)."""


@dataclass(frozen=True)
class ExportScope:
    """What one export may contain: these tiers, these departments (None: all), for this actor."""

    tiers: tuple[str, ...]
    departments: tuple[str, ...] | None
    actor: str


def export_scope(user: User | None, *, include_classified: bool = False) -> ExportScope:
    """Decide what `user` (None: the system, run by an operator) may export.

    - TOP SECRET is never exported (DOMAIN.md: no email, chat, export or print), whoever asks.
    - Without `include_classified` an export is OFFICIAL only, even for cleared staff: classified
      data leaving the platform is a deliberate, audited act.
    - `include_classified` needs a named administrator (`--as-user`) and adds SECRET if their
      clearance allows it; the system alone cannot include it.
    - Administrators and auditors export every department (the log holds ids and codes, no
      personal data); other staff only events that name one of their departments.
    """
    if user is None:
        if include_classified:
            raise ExportRefused("including classified events needs --as-user with an administrator")
        return ExportScope((Classification.OFFICIAL,), None, "system")
    if not (user.is_active and user.is_staff_member):
        raise ExportRefused(f"{user.username} is not active staff")
    tiers: tuple[str, ...] = (Classification.OFFICIAL,)
    if include_classified:
        if not user.has_role(Role.ADMINISTRATOR):
            raise ExportRefused(f"{user.username} is not an administrator: classified events cannot be included")
        if TIER_RANK[Classification(user.clearance)] >= TIER_RANK[Classification.SECRET]:
            tiers = (Classification.OFFICIAL, Classification.SECRET)
    wide = user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.AUDITOR)
    departments = None if wide else tuple(user.departments.values_list("code", flat=True))
    return ExportScope(tiers, departments, user.username)


def select_events(scope: ExportScope, *, since: datetime | None = None, types: Sequence[str] = ()) -> QuerySet[Event]:
    """The events of the scope in log order (time, id), optionally from `since` and of `types`.

    A type is short ("case.opened") or full ("jp.lg.civicloop.case.opened"); "case.*" is a prefix.
    """
    queryset = Event.objects.filter(classification__in=scope.tiers)
    if scope.departments is not None:
        queryset = queryset.filter(data__department__in=list(scope.departments))
    if since is not None:
        queryset = queryset.filter(time__gte=since)
    if types:
        wanted = Q(pk__in=[])
        for name in types:
            full = name if name.startswith(TYPE_PREFIX) else TYPE_PREFIX + name
            wanted |= Q(type__startswith=full[:-1]) if full.endswith(".*") else Q(type=full)
        queryset = queryset.filter(wanted)
    return queryset.order_by("time", "id")


def stream_rows(queryset: QuerySet[Event]) -> Iterator[Row]:
    """The rows, `data` as JSON text as stored: CloudEvents lines embed it without a decode/encode."""
    rows = queryset.annotate(data_text=Cast("data", TextField())).values_list(*_ROW_FIELDS)
    yield from rows.iterator(chunk_size=_CHUNK)


def cloudevent(row: Row) -> dict[str, Any]:
    """The same envelope as `Event.as_cloudevent()`, plus `sequence` once the relay numbered it."""
    event_id, source, event_type, subject, time, data, classification, position = row
    envelope = {
        "specversion": "1.0",
        "id": str(event_id),
        "source": source,
        "type": event_type,
        "subject": subject,
        "time": time.isoformat(),
        "datacontenttype": "application/json",
        "classification": classification,
        "data": json.loads(data),
    }
    if position is not None:
        envelope["sequence"] = str(position)
    return envelope


def write_cloudevents(rows: Iterable[Row], out: IO[str]) -> int:
    """One structured-mode CloudEvent per line (JSON Lines), keys in `cloudevent()`'s order.

    Built as text: the stored JSON of `data` goes in as it is, and the few strings that repeat
    (source, type) are encoded once.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    cached: dict[str, str] = {}
    count = 0
    for event_id, source, event_type, subject, time, data, classification, position in rows:
        if source not in cached:
            cached[source] = encode(source)
        if event_type not in cached:
            cached[event_type] = encode(event_type)
        sequence = f',"sequence":"{position}"' if position is not None else ""
        out.write(
            f'{{"specversion":"1.0","id":"{event_id}","source":{cached[source]},"type":{cached[event_type]},'
            f'"subject":{encode(subject)},"time":"{time.isoformat()}","datacontenttype":"application/json",'
            f'"classification":"{classification}","data":{data}{sequence}}}\n'
        )
        count += 1
    return count


def write_ocel(rows: Iterable[Row], out: IO[str], *, work_dir: Path) -> int:
    """OCEL 2.0 JSON of the rows (relay.ocel), decoding each event's data once."""
    events = ((i, t, subject, time, json.loads(data), c) for i, _s, t, subject, time, data, c, _p in rows)
    return ocel.write_ocel(events, out, work_dir=work_dir)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    events: int
    scope: ExportScope
    files: int = 1


def export_events(
    *,
    fmt: str,
    output: Path,
    scope: ExportScope,
    since: datetime | None = None,
    types: Sequence[str] = (),
) -> ExportResult:
    """Write the export to `output` (via a temporary file renamed at the end) and audit it.

    For `parquet`, `output` is a folder (created if missing) that receives one file per month.
    An export that fails half-way leaves no partial file behind and any earlier file untouched.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    output = output.resolve()
    rows = stream_rows(select_events(scope, since=since, types=types))
    if fmt == "parquet":
        output.mkdir(exist_ok=True)
        months = parquet.write_parquet(rows, output)
        count = sum(months.values())
        _audit_export(fmt, count, scope, since, types)
        return ExportResult(output, count, scope, files=len(months))
    handle, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            if fmt == "cloudevents":
                count = write_cloudevents(rows, out)
            else:
                count = write_ocel(rows, out, work_dir=output.parent)
        os.replace(tmp_name, output)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _audit_export(fmt, count, scope, since, types)
    return ExportResult(output, count, scope)


def _audit_export(fmt: str, count: int, scope: ExportScope, since: datetime | None, types: Sequence[str]) -> None:
    """Every export is on the audit chain; one that may hold SECRET events is classified so."""
    highest = max(scope.tiers, key=lambda tier: TIER_RANK[Classification(tier)])
    with transaction.atomic():
        audit.record(
            actor=scope.actor,
            action="events.export",
            object_type="event_log",
            object_id=fmt,
            classification=highest,
            data={
                "format": fmt,
                "events": count,
                "tiers": list(scope.tiers),
                "departments": list(scope.departments) if scope.departments is not None else "all",
                "since": since.isoformat() if since else None,
                "types": list(types),
            },
        )
