# SPDX-License-Identifier: MPL-2.0


def run_once() -> int:
    """One pass of this app's background work; returns how many items it handled."""
    return 0
