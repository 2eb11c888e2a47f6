# SPDX-License-Identifier: MPL-2.0
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Settings, tmp_path: Path) -> Path:
    """Each test its own checkpoint folder: a checkpoint of another test's database would contradict this one."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    return Path(settings.AUDIT_CHECKPOINT_DIR)
