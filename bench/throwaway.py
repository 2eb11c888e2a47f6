# SPDX-License-Identifier: MPL-2.0
"""Django in this process on a throwaway SQLite database and VAR_DIR (demo CA) in a temporary folder.

The in-process benches (bench/workflow.py, bench/documents.py) start the same way: `start` before
importing any model, `prepare_database` (migrate, load the catalogue), then `run_then_remove` so
the folder goes whatever happens.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent


def start(prefix: str) -> Path:
    """A temporary folder holding VAR_DIR and the SQLite database, and Django set up on them."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["CIVICLOOP_VAR_DIR"] = str(work)
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CIVICLOOP_DEBUG", "1")
    import django

    django.setup()
    return work


def prepare_database() -> None:
    """Migrate the throwaway database and load the catalogue into it."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_catalog", verbosity=0)


def run_then_remove(main: Callable[[], int], work: Path | None) -> NoReturn:
    """Exit with `main()`'s code, removing the temporary folder `work` in any case."""
    try:
        code = main()
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)
