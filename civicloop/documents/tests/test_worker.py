# SPDX-License-Identifier: MPL-2.0
import os
import time
import uuid
from pathlib import Path

import pytest

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
