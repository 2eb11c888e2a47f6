# SPDX-License-Identifier: MPL-2.0
"""The test run's environment: the demo on, data in a throwaway folder, no catalogue cache.

A pytest plugin loaded with `-p` (pyproject.toml), not a conftest.py: pytest-django reads
config/settings.py before pytest imports any conftest, so variables a conftest sets come too late
(they did: the suite ran with `<repo>/var` and a 30-second catalogue cache).

Under pytest-xdist each worker is its own process with its own settings, and must not share run-time
files with the other worker: two workers making the demo CA, the audit key or an audit checkpoint
in one folder at once would race, and a checkpoint listing would see the other worker's files. The
controller makes the run's folder (the workers inherit it through the environment) and each worker
works in a sub-folder named after itself (gw0, gw1, …). Databases are per worker already:
pytest-django suffixes the test database's name (`CIVICLOOP_TEST_DB_NAME` too) with the worker id.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Each test has its own database: a per-process catalogue cache would hand one test another's rows.
os.environ.setdefault("CIVICLOOP_CATALOG_CACHE_SECONDS", "0")
os.environ.setdefault("CIVICLOOP_DEBUG", "1")

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_made_for_this_run = ""
if _worker and "CIVICLOOP_VAR_DIR" in os.environ:
    os.environ["CIVICLOOP_VAR_DIR"] = str(Path(os.environ["CIVICLOOP_VAR_DIR"]) / _worker)
elif "CIVICLOOP_VAR_DIR" not in os.environ:
    _made_for_this_run = tempfile.mkdtemp(prefix="civicloop-test-")
    os.environ["CIVICLOOP_VAR_DIR"] = _made_for_this_run


def pytest_unconfigure(config: pytest.Config) -> None:
    """The folder this process made goes when the run ends (a worker's sub-folder goes with it)."""
    if _made_for_this_run:
        shutil.rmtree(_made_for_this_run, ignore_errors=True)
