# SPDX-License-Identifier: MPL-2.0
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from civicloop.core import periodic
from civicloop.core.models import PeriodicRun
from civicloop.documents import worker
from civicloop.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db


def write(folder: Path, name: str, age_seconds: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"%PDF-1.7")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_it_removes_old_files_no_row_refers_to(document: IssuedDocument, isolated_files: Path) -> None:
    folder = isolated_files / "documents"
    orphan = write(folder, f"{uuid.uuid4()}.pdf", age_seconds=2 * 3600)
    young = write(folder, f"{uuid.uuid4()}.pdf", age_seconds=60)  # its transaction may still be open
    foreign = write(folder, "README.txt", age_seconds=2 * 3600)
    os.utime(folder / f"{document.public_id}.pdf", (time.time() - 7200, time.time() - 7200))

    assert worker.sweep_orphans() == 1

    assert not orphan.exists()
    assert young.exists() and foreign.exists()
    assert (folder / f"{document.public_id}.pdf").exists()


def test_an_empty_storage_is_fine() -> None:
    assert worker.sweep_orphans() == 0


def test_several_worker_processes_sweep_once_per_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: two processes (the in-process memory emptied between them) and a sweep that counts
    sweeps: list[int] = []

    def sweep() -> int:
        sweeps.append(1)
        return 0

    monkeypatch.setattr(worker, "sweep_orphans", sweep)
    monkeypatch.setattr(periodic, "_not_before", {})
    # when
    worker.run_once()
    periodic._not_before.clear()
    worker.run_once()
    PeriodicRun.objects.update(last_run_at=timezone.now() - timedelta(seconds=worker.INTERVAL_SECONDS))
    periodic._not_before.clear()
    worker.run_once()
    # then: one sweep in the first interval, one once it has passed
    assert len(sweeps) == 2
