# SPDX-License-Identifier: MPL-2.0
"""One audit checkpoint per interval for the whole site, however many worker processes ask (core.periodic).

A "process" here is the module's in-process memory (`periodic._not_before`): emptied, the next
call behaves as another process would, with only the database to go by.
"""

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.utils import timezone
from pytest_django.fixtures import Settings

from civicloop.core import audit, audit_checkpoints, periodic
from civicloop.core.models import PeriodicRun

INTERVAL = 3600


class Clock:
    """Both clocks periodic reads, moved by hand."""

    def __init__(self) -> None:
        self.wall = timezone.now()
        self.mono = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


class PerThread(dict[str, float]):
    """The in-process memory, one per thread: threads then race as separate processes would."""

    def _key(self, name: str) -> str:
        return f"{threading.get_ident()}:{name}"

    def get(self, name: str, default: float | None = None) -> float | None:  # type: ignore[override]
        return super().get(self._key(name), default)

    def __setitem__(self, name: str, value: float) -> None:
        super().__setitem__(self._key(name), value)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(periodic, "time", SimpleNamespace(monotonic=clock.monotonic))
    monkeypatch.setattr(periodic, "timezone", SimpleNamespace(now=clock.now))
    return clock


@pytest.fixture
def interval(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    settings.AUDIT_CHECKPOINT_INTERVAL_SECONDS = INTERVAL
    monkeypatch.setattr(periodic, "_not_before", {})
    yield INTERVAL


def another_process() -> None:
    periodic._not_before.clear()


def checkpoints(directory: Path) -> int:
    return len(list(directory.glob("*.json")))


@pytest.mark.django_db
def test_two_processes_in_one_interval_write_one_checkpoint(checkpoint_dir: Path, clock: Clock, interval: int) -> None:
    # given
    audit.record(actor="user/a", action="t", object_type="t", object_id="1")
    # when
    first = audit_checkpoints.run_once()
    another_process()
    clock.advance(interval - 1)
    second = audit_checkpoints.run_once()
    # then
    assert (first, second) == (1, 0)
    assert checkpoints(checkpoint_dir) == 1


@pytest.mark.django_db
def test_after_the_interval_one_process_writes_the_next_checkpoint(
    checkpoint_dir: Path, clock: Clock, interval: int
) -> None:
    # given: a checkpoint written by one process
    audit.record(actor="user/a", action="t", object_type="t", object_id="1")
    assert audit_checkpoints.run_once() == 1
    # when: the interval has passed, and two processes ask, the first one twice
    clock.advance(interval)
    another_process()
    results = [audit_checkpoints.run_once(), audit_checkpoints.run_once()]
    another_process()
    results.append(audit_checkpoints.run_once())
    # then
    assert results == [1, 0, 0]
    assert checkpoints(checkpoint_dir) == 2


@pytest.mark.django_db
def test_a_process_that_lost_the_interval_asks_the_database_again_only_when_it_ends(
    clock: Clock, interval: int, django_assert_num_queries: object
) -> None:
    # given: the interval claimed by another process 100 s ago
    PeriodicRun.objects.create(name="job", last_run_at=clock.now() - timedelta(seconds=100))
    assert periodic.claim("job", every_seconds=interval) is False
    # when / then: no query until the interval ends, then a claim
    clock.advance(interval - 101)
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert periodic.claim("job", every_seconds=interval) is False
    clock.advance(1)
    assert periodic.claim("job", every_seconds=interval) is True
    assert PeriodicRun.objects.get(name="job").last_run_at == clock.now()


@pytest.mark.django_db(transaction=True)
def test_processes_asking_at_the_same_instant_write_one_checkpoint(
    checkpoint_dir: Path, interval: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: several connections race for the row; SQLite has a single writer, so no race to test."""
    if connection.vendor != "postgresql":
        pytest.skip("the race between connections exists only on PostgreSQL")
    # given: four worker processes (threads with their own connection and memory), for each of
    # ten intervals, the job's row made due again before each
    monkeypatch.setattr(periodic, "_not_before", PerThread())
    audit.record(actor="user/a", action="t", object_type="t", object_id="1")
    rounds, workers = 10, 4
    barrier = threading.Barrier(workers)
    written: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(rounds):
                barrier.wait()
                written.append(audit_checkpoints.run_once())
                barrier.wait()
                if threading.current_thread() is threads[0]:
                    PeriodicRun.objects.update(last_run_at=timezone.now() - timedelta(seconds=interval))
                barrier.wait()
                periodic._not_before.clear()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: exactly one writer per interval
    assert not errors
    assert sum(written) == rounds
    assert checkpoints(checkpoint_dir) == rounds
