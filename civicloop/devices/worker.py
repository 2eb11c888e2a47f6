# SPDX-License-Identifier: MPL-2.0
"""Background work of the device registry, called by `manage.py worker` (settings.WORKER_TASKS)."""

from civicloop.devices.actions import mark_overdue_devices


def run_once() -> int:
    """Mark devices that stopped reporting as non-compliant; returns how many changed."""
    return mark_overdue_devices()
