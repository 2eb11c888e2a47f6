# SPDX-License-Identifier: MPL-2.0
"""Settings for benchmark runs only: production settings plus the bench-only URLs."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
