# SPDX-License-Identifier: MPL-2.0
"""The relay's entry in settings.WORKER_TASKS (`manage.py worker`, started by `make run`)."""

from civicloop.relay.relay import run_pass


def run_once() -> int:
    """One relay pass: sequence committed events, feed each consumer a batch, post due webhooks."""
    return run_pass()
