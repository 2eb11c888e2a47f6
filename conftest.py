# SPDX-License-Identifier: MPL-2.0
"""Test-wide settings: the demo on, uploads and data in a throwaway folder, eager everything."""

import os
import tempfile

os.environ.setdefault("CIVICLOOP_DEBUG", "1")
# Each test has its own database: a per-process catalogue cache would hand one test another's rows.
os.environ.setdefault("CIVICLOOP_CATALOG_CACHE_SECONDS", "0")
os.environ.setdefault("CIVICLOOP_VAR_DIR", tempfile.mkdtemp(prefix="civicloop-test-"))
