# SPDX-License-Identifier: MPL-2.0
"""Test-wide settings: the demo on, uploads and data in a throwaway folder, eager everything."""

import os
import tempfile

os.environ.setdefault("CIVICLOOP_DEBUG", "1")
os.environ.setdefault("CIVICLOOP_VAR_DIR", tempfile.mkdtemp(prefix="civicloop-test-"))
