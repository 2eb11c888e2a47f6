# SPDX-License-Identifier: MPL-2.0
"""bench.settings for bench/workers.py: the workers it runs (Celery and `manage.py worker`) count what they do.

- Every relay consumer is the real one wrapped by `bench.workers_probes`, which also writes one
  `bench_tally` row per applied batch (its first and last position) in the batch's transaction:
  an event applied twice by a consumer shows up as overlapping batches.
- E-mail goes to `bench.workers_probes.CountingBackend` (no network), which records each notice
  sent by its id.
- Only the relay and notice delivery run (WORKER_TASKS): the bench drains those two backlogs,
  and both kinds of worker run the same tasks.
"""

from bench.settings import *  # noqa: F403
from config.settings import EVENT_CONSUMERS as REAL_CONSUMERS

BENCH_REAL_CONSUMERS = dict(REAL_CONSUMERS)
EVENT_CONSUMERS = {name: f"bench.workers_probes.{name}" for name in BENCH_REAL_CONSUMERS}
WORKER_TASKS = ["civicloop.relay.worker.run_once", "civicloop.notifications.worker.run_once"]
WORKER_TASK_INTERVALS = {path: WORKER_TASK_INTERVALS[path] for path in WORKER_TASKS}  # noqa: F405
EMAIL_BACKEND = "bench.workers_probes.CountingBackend"
