# SPDX-License-Identifier: MPL-2.0
"""The event log as Apache Parquet: one file per month (Japan time), typed columns (process-mining.md).

For warehouses and engines that read Parquet directly (DuckDB, Spark, BigQuery, a prefecture's
data platform): a year of events is twelve files that a reader scans by column, never a
multi-gigabyte JSON document to parse.

Columns, one schema for every event type:

- `id`, `source`, `type`, `subject`, `classification`: strings (ids as strings, as in CloudEvents);
- `time`: timestamp, microseconds, UTC (Parquet's `isAdjustedToUTC`; readers show it in their zone);
- `sequence`: int64, the relay position, null until the relay numbered the event;
- `department`: string, `data.department` lifted out for filtering and partitioning, null if none;
- `data`: the event's data as JSON text (Arrow's canonical `arrow.json` extension type is not used:
  DuckDB and Spark read plain strings everywhere). A struct column was rejected: every event type
  has its own keys, so one struct would be the union of ~100 types' fields, nearly all null, and
  its schema would change whenever a type gains a field, breaking readers of earlier files.

pyarrow is imported inside the functions: every process loads the relay's modules, few export.
"""

import json
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    import pyarrow as pa

# (id, source, type, subject, time, data as JSON text, classification, position): exports.Row
Row = tuple[Any, str, str, str, datetime, str, str, int | None]

BATCH_ROWS = 50_000  # rows per row group: a few MB of memory, big enough for column statistics
FILE_PREFIX = "events-"


def schema() -> "pa.Schema":
    """The one schema of every file; the documented column types (process-mining.md)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("type", pa.string(), nullable=False),
            pa.field("subject", pa.string(), nullable=False),
            pa.field("time", pa.timestamp("us", tz="UTC"), nullable=False),
            pa.field("sequence", pa.int64()),
            pa.field("classification", pa.string(), nullable=False),
            pa.field("department", pa.string()),
            pa.field("data", pa.string(), nullable=False),
        ]
    )


def month_of(moment: datetime) -> str:
    """ "2026-04": the month in Japan time, the municipality's accounting and reporting month."""
    return timezone.localtime(moment).strftime("%Y-%m")


def file_name(month: str) -> str:
    return f"{FILE_PREFIX}{month}.parquet"


def _department(data: str) -> str | None:
    value = json.loads(data).get("department") if '"department"' in data else None
    return value if isinstance(value, str) else None


def _columns(rows: list[Row]) -> dict[str, list[Any]]:
    return {
        "id": [str(r[0]) for r in rows],
        "source": [r[1] for r in rows],
        "type": [r[2] for r in rows],
        "subject": [r[3] for r in rows],
        "time": [r[4] for r in rows],
        "sequence": [r[7] for r in rows],
        "classification": [r[6] for r in rows],
        "department": [_department(r[5]) for r in rows],
        "data": [r[5] for r in rows],
    }


def _by_month(rows: Iterable[Row]) -> Iterator[tuple[str, list[Row]]]:
    """Batches of at most BATCH_ROWS rows of one month, in log order (rows come sorted by time)."""
    month, batch = "", list[Row]()
    for row in rows:
        row_month = month_of(row[4])
        if batch and (row_month != month or len(batch) >= BATCH_ROWS):
            yield month, batch
            batch = []
        month = row_month
        batch.append(row)
    if batch:
        yield month, batch


def write_parquet(rows: Iterable[Row], directory: Path) -> dict[str, int]:
    """Write one `events-YYYY-MM.parquet` per month into `directory`; returns the events per month.

    Each file is written as a hidden `.part` and all are renamed only once every month is complete,
    so a failed export leaves earlier files as they were and no partial file behind.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table_schema = schema()
    counts: dict[str, int] = {}
    parts: dict[str, Path] = {}
    writer: pq.ParquetWriter | None = None
    try:
        for month, batch in _by_month(rows):
            if month not in parts:
                if writer is not None:
                    writer.close()
                parts[month] = directory / f".{file_name(month)}.{os.getpid()}.part"
                writer = pq.ParquetWriter(parts[month], table_schema, compression="zstd")
            assert writer is not None
            writer.write_table(pa.Table.from_pydict(_columns(batch), schema=table_schema))
            counts[month] = counts.get(month, 0) + len(batch)
        if writer is not None:
            writer.close()
            writer = None
        for month, part in parts.items():
            os.replace(part, directory / file_name(month))
    except BaseException:
        if writer is not None:
            writer.close()
        for part in parts.values():
            part.unlink(missing_ok=True)
        raise
    return counts
