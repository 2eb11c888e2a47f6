# SPDX-License-Identifier: MPL-2.0
"""Benchmarks (`make bench`). Nothing here is imported by production code."""
