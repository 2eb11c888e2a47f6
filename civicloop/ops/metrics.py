# SPDX-License-Identifier: MPL-2.0
"""Prometheus metrics: what each process counts, and what is read from the database at each scrape.

Counted in the process (`RequestMetricsMiddleware`, the submission subscriber): requests and
their latency, submissions. Labels hold bounded values only — a method, a URL *name*, a status,
a procedure or department code — never a path, an id or anything about a person.

Under gunicorn with `PROMETHEUS_MULTIPROC_DIR` set, prometheus_client writes each worker's
counts to files in that folder and a scrape, answered by any one worker, adds them up
(settings.PROMETHEUS_MULTIPROC_DIR; docs/operations.md). Without it, the process's own registry
is served — right for one process (`make run`).

The backlog gauges are computed when scraped, from the database, so every worker reports the same
truth and nothing has to keep them up to date.
"""

import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from civicloop.ops import backlog

log = logging.getLogger("civicloop.ops")

# A `_created` timestamp beside every counter and histogram doubles the series for nothing
# Prometheus needs (it sees restarts as resets anyway).
disable_created_metrics()

HTTP_REQUESTS = Counter(
    "civicloop_http_requests",
    "HTTP requests answered, by method, URL name and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "civicloop_http_request_duration_seconds",
    "Time from the request reaching the application to its response, by method and URL name.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0),
)
SUBMISSIONS = Counter(
    "civicloop_applications_submitted",
    "Applications submitted (committed), by procedure code.",
    ["procedure"],
)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _labelled(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


class BacklogCollector(Collector):
    """The backlog gauges, read from the database at each scrape. With the database down the
    scrape still answers: `civicloop_backlog_up` is 0 and the gauges are left out."""

    def collect(self) -> Iterator[Metric]:
        try:
            outbox = backlog.outbox_backlog()
            pending = backlog.pending_events()
            notices = backlog.notice_backlog()
            overdue = backlog.overdue_cases()
        except DatabaseError:
            log.warning("metrics: the backlog could not be read", exc_info=True)
            yield _gauge("civicloop_backlog_up", "1 when the backlog gauges could be read from the database.", 0)
            return
        yield _gauge("civicloop_backlog_up", "1 when the backlog gauges could be read from the database.", 1)
        yield _gauge(
            "civicloop_outbox_lag_seconds",
            "Age of the oldest event not yet numbered by the relay or applied by every consumer.",
            outbox.lag_seconds,
        )
        yield _gauge(
            "civicloop_outbox_unsequenced_events",
            "Committed events the relay has not numbered yet.",
            outbox.unsequenced,
        )
        yield _labelled(
            "civicloop_outbox_pending_events",
            "Numbered events a consumer has not applied yet.",
            "consumer",
            pending,
        )
        yield _labelled(
            "civicloop_notifications_waiting",
            "Notices queued, being sent or waiting to retry, by channel.",
            "channel",
            notices.waiting,
        )
        yield _gauge(
            "civicloop_notifications_lag_seconds",
            "How long the oldest notice due now has been due.",
            notices.lag_seconds,
        )
        yield _gauge("civicloop_notifications_dead", "Notices given up after their last attempt.", notices.dead)
        yield _labelled(
            "civicloop_cases_overdue",
            "Open cases past the due date of their standard processing period (標準処理期間), by department.",
            "department",
            overdue,
        )


class _ProcessRegistry(Collector):
    """This process's own metrics (single-process mode), as a collector of the scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        return iter(REGISTRY.collect())


def scrape(accept: str) -> tuple[bytes, str]:
    """The exposition for one scrape, in the format the `Accept` header asks for, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(_ProcessRegistry())
    registry.register(BacklogCollector())
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type
