# SPDX-License-Identifier: MPL-2.0
"""`manage.py export_events --format parquet`: one file per month that DuckDB reads back as the database holds it."""

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command
from django.utils import timezone

from civicloop.core.models import AuditEntry, Event
from civicloop.relay.sequence import assign_positions

pytestmark = pytest.mark.django_db

UTC = timezone.get_fixed_timezone(0)
TYPES = ("application.submitted", "case.opened", "case.decided", "inquiry.received")


def event(short: str, at: datetime, data: dict[str, Any], tier: str = "OFFICIAL") -> Event:
    return Event.objects.create(
        source="urn:lg:131130",
        type=f"jp.lg.civicloop.{short}",
        subject=f"case/{short}-{at.isoformat()}",
        time=at,
        data=data,
        classification=tier,
    )


@pytest.fixture
def log(db: None) -> None:
    """Events spread over five months, some on the night a month turns in Japan but not in UTC."""
    start = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    for day in range(0, 150, 3):
        for n, short in enumerate(TYPES[: 1 + day % len(TYPES)]):
            event(short, start + timedelta(days=day, minutes=n), {"department": "seiso", "n": day})
    # 2026-04-30 15:30 UTC is 2026-05-01 00:30 in Tokyo: a May event.
    event("case.opened", datetime(2026, 4, 30, 15, 30, tzinfo=UTC), {"note": "no department"})
    event("case.decided", datetime(2026, 3, 1, 0, 0, tzinfo=UTC), {"department": "hoiku"}, tier="SECRET")
    assign_positions()


def database_counts() -> Counter[tuple[str, str]]:
    """(type, month in Japan time) → events, as the database holds the OFFICIAL ones."""
    return Counter(
        (kind, timezone.localtime(at).strftime("%Y-%m"))
        for kind, at in Event.objects.filter(classification="OFFICIAL").values_list("type", "time")
    )


def query(files: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of `sql` over the table `events`: the Parquet `files` (a glob) read by a fresh in-memory DuckDB.

    The session's time zone is Japan's; `filename` is a column naming each row's file.
    """
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'Asia/Tokyo'")
        connection.execute("create temp table events as select * from read_parquet(?, filename = true)", [str(files)])
        return connection.execute(sql, params or []).fetchall()


def export(tmp_path: Path, *args: str) -> Path:
    folder = tmp_path / "events"
    call_command("export_events", "--format", "parquet", "--output", str(folder), *args)
    return folder


def test_duckdb_reads_back_the_same_counts_per_type_and_month_as_the_database(log: None, tmp_path: Path) -> None:
    # given
    folder = export(tmp_path)
    # when
    rows = query(
        folder / "*.parquet",
        r"select type, regexp_extract(filename, 'events-(\d{4}-\d{2})\.parquet', 1), count(*) from events group by all",
    )
    # then
    assert Counter({(kind, month): n for kind, month, n in rows}) == database_counts()
    assert sorted(p.name for p in folder.iterdir()) == [f"events-2026-0{m}.parquet" for m in range(1, 7)]


def test_each_file_holds_only_its_month_in_japan_time(log: None, tmp_path: Path) -> None:
    folder = export(tmp_path)
    rows = query(
        folder / "*.parquet",
        r"select distinct strftime(time, '%Y-%m') = regexp_extract(filename, 'events-(.{7})\.parquet', 1) from events",
    )
    assert rows == [(True,)]
    may = query(folder / "events-2026-05.parquet", "select count(*) from events where department is null")
    assert may == [(1,)]


def test_the_columns_are_typed(log: None, tmp_path: Path) -> None:
    folder = export(tmp_path)
    described = query(folder / "events-2026-02.parquet", "describe select * exclude (filename) from events")
    types = {name: kind for name, kind, *_ in described}
    assert types == {
        "id": "VARCHAR",
        "source": "VARCHAR",
        "type": "VARCHAR",
        "subject": "VARCHAR",
        "time": "TIMESTAMP WITH TIME ZONE",
        "sequence": "BIGINT",
        "classification": "VARCHAR",
        "department": "VARCHAR",
        "data": "VARCHAR",
    }


def test_a_row_matches_its_event_exactly(log: None, tmp_path: Path) -> None:
    folder = export(tmp_path)
    stored = Event.objects.filter(classification="OFFICIAL").order_by("time", "id").first()
    assert stored is not None
    [(event_id, at, sequence, department, data)] = query(
        folder / "*.parquet",
        "select id, time, sequence, data::json ->> 'department', data from events where id = ?",
        [str(stored.id)],
    )
    assert (event_id, at, sequence, department) == (str(stored.id), stored.time, stored.position, "seiso")
    assert json.loads(data) == stored.data


def test_classified_events_stay_out_and_the_export_is_audited(log: None, tmp_path: Path) -> None:
    folder = export(tmp_path)
    tiers = query(folder / "*.parquet", "select distinct classification from events")
    assert tiers == [("OFFICIAL",)]
    entry = AuditEntry.objects.filter(action="events.export").latest("seq")
    assert entry.object_id == "parquet"
    assert entry.data["events"] == sum(database_counts().values())


def test_filters_apply_and_an_empty_export_writes_no_file(log: None, tmp_path: Path) -> None:
    folder = export(tmp_path, "--type", "inquiry.*", "--since", "2026-05-01")
    [(count,)] = query(folder / "*.parquet", "select count(*) from events")
    expected = Event.objects.filter(
        type="jp.lg.civicloop.inquiry.received", time__gte=datetime(2026, 4, 30, 15, 0, tzinfo=UTC)
    ).count()
    assert count == expected > 0
    (tmp_path / "none").mkdir()
    empty = export(tmp_path / "none", "--type", "no.such")
    assert list(empty.iterdir()) == []


def test_a_failed_export_leaves_earlier_files_and_no_part_file(
    log: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an earlier export
    folder = export(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    Event.objects.filter(classification="OFFICIAL").update(data={"department": "changed"})

    # when the next one fails half-way
    def fail(batch: list[Any]) -> dict[str, list[Any]]:
        raise RuntimeError("disk full")

    monkeypatch.setattr("civicloop.relay.parquet._columns", fail)
    with pytest.raises(RuntimeError):
        export(tmp_path)

    # then
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
