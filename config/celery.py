# SPDX-License-Identifier: MPL-2.0
"""The Celery app: `celery -A config worker` and `celery -A config beat` (docs/operations.md).

Configured from Django's settings (the `CELERY_*` names, read from `CIVICLOOP_CELERY_*`). One
task per settings.WORKER_TASKS entry, named `civicloop.worker.<short name>`
(`civicloop.worker.relay`, …), and a beat entry for each at its WORKER_TASK_INTERVALS interval.
A tick that has not started within two intervals expires: when the workers fall behind, ticks
are dropped instead of piling up, and nothing is lost, since the work itself waits in the
database. With CIVICLOOP_CELERY_BROKER_URL empty, the worker and beat refuse to start; the
embedded default stays `manage.py worker`.
"""

import os
from typing import Any

from celery import Celery, Task
from celery.signals import beat_init, worker_init
from django.conf import settings

from civicloop.ops.worker_tasks import allowed_tasks, drain, interval_for

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("civicloop")
app.config_from_object("django.conf:settings", namespace="CELERY")

TASK_PREFIX = "civicloop.worker."


def _make_task(name: str) -> Task:
    def run() -> int:
        return drain(name)

    run.__name__ = f"drain_{name.replace('.', '_')}"
    run.__doc__ = f"Drain the {name} WORKER_TASKS entry (civicloop.ops.worker_tasks.drain)."
    return app.task(name=f"{TASK_PREFIX}{name}", typing=False)(run)


def _register() -> dict[str, Task]:
    tasks = {}
    schedule = {}
    for name, path in allowed_tasks().items():
        tasks[name] = _make_task(name)
        interval = interval_for(path)
        schedule[name] = {
            "task": f"{TASK_PREFIX}{name}",
            "schedule": interval,
            "options": {"expires": max(2 * interval, 2.0)},
        }
    app.conf.beat_schedule = schedule
    return tasks


TASKS = _register()


def _refuse_without_broker(**kwargs: Any) -> None:
    # SystemExit, not an error: Celery logs and ignores exceptions raised by signal receivers.
    if not settings.CELERY_BROKER_URL:
        raise SystemExit(
            "CIVICLOOP_CELERY_BROKER_URL is empty: set it (redis://… or amqp://…), or run `manage.py worker`"
        )


worker_init.connect(_refuse_without_broker)
beat_init.connect(_refuse_without_broker)
