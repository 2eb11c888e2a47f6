# SPDX-License-Identifier: MPL-2.0
"""The background tasks Celery may run: exactly the `settings.WORKER_TASKS` entries, by short name.

Each entry (`civicloop.relay.worker.run_once`, …) gets a short name (`relay`) and becomes one
Celery task (`config/celery.py`). A task message carries only that name; the dotted path is taken
from settings, never from the message, so a message forged on the broker can run nothing but one
of these functions (and JSON, never pickle, is accepted: docs/operations.md).

A task drains its work: it calls `run_once()` again while the last call found something, until a
time budget is spent, then returns and the next beat tick goes on. Every `run_once()` claims its
work through the database (a consumer's checkpoint row locked with SKIP LOCKED, a notice's lease),
so a task that dies is simply re-driven by the next one: the outbox stays the truth.
"""

import logging
import time

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("civicloop.worker")

_PREFIX = "civicloop."
_SUFFIXES = (".run_once", ".worker")


class UnknownWorkerTask(LookupError):
    """A name that is not one of settings.WORKER_TASKS: refused, nothing is imported."""


def short_name(path: str) -> str:
    """`civicloop.relay.worker.run_once` → `relay`; `civicloop.core.audit_checkpoints.run_once` → `core.audit_checkpoints`."""
    name = path.removeprefix(_PREFIX)
    for suffix in _SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def allowed_tasks() -> dict[str, str]:
    """Short name → dotted path of every settings.WORKER_TASKS entry, in the settings' order."""
    names = {short_name(path): path for path in settings.WORKER_TASKS}
    if len(names) != len(settings.WORKER_TASKS):
        raise ValueError("two WORKER_TASKS entries have the same short name")
    return names


def interval_for(path: str) -> float:
    """Seconds between two beat ticks of one entry (settings.WORKER_TASK_INTERVALS; 1 s if unlisted)."""
    return float(settings.WORKER_TASK_INTERVALS.get(path, 1.0))


def drain(name: str, *, budget_seconds: float | None = None) -> int:
    """Run the entry called `name` while it finds work, for at most about `budget_seconds`.

    Returns how many items were handled. The budget is checked between calls, so one slow call
    (a gateway timing out) may overrun it; Celery's time limits bound that. An exception from
    `run_once()` ends the task: what it had claimed is claimed again by the next one.
    """
    path = allowed_tasks().get(name)
    if path is None:
        raise UnknownWorkerTask(f"{name!r} is not a WORKER_TASKS entry")
    run_once = import_string(path)
    budget = settings.WORKER_TASK_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    total = 0
    while True:
        handled = int(run_once())
        total += handled
        if not handled or time.monotonic() >= deadline:
            break
    if total:
        log.info("worker task %s handled %d", name, total)
    return total
