# SPDX-License-Identifier: MPL-2.0
"""Rate limits hold under concurrency: of M simultaneous requests exactly N pass, in each process's
memory and in a shared Redis, where every thread keeps its own connection as a worker process would.

Before counts were taken first, every request looked at the count before any was counted, and
36 of 40 parallel submissions passed a limit of 10.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from civicloop.accounts.ratelimit import limit_submissions
from civicloop.testing import redis_server

LIMIT, ATTEMPTS, WINDOW_S = 10, 40, 60


@pytest.fixture(params=["memory", "redis"])
def counting_cache(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """The process's memory cache, or a Redis with a prefix of this run's own (others share the server)."""
    if request.param == "redis":
        settings.CACHES = redis_server.cache_settings()
    # A fixed window that turned over mid-test would pass a second allowance: start early in one.
    left = WINDOW_S - time.time() % WINDOW_S
    if left < 5:
        time.sleep(left + 0.1)
    yield request.param


def _all_at_once(call: Callable[[int], int]) -> list[int]:
    """Run `call(n)` for n < ATTEMPTS in as many threads, released together; their status codes."""
    barrier = Barrier(ATTEMPTS)

    def released(n: int) -> int:
        barrier.wait(timeout=30)
        return call(n)

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return list(pool.map(released, range(ATTEMPTS)))


def test_exactly_the_limit_of_parallel_submissions_pass(counting_cache: str, settings: Any) -> None:
    # given a guest allowance of 10 and a submission that takes a while, as a real one does
    settings.SUBMISSION_RATE_LIMIT_GUEST = LIMIT
    settings.SUBMISSION_RATE_WINDOW_S = WINDOW_S

    @limit_submissions(json=True)
    def submit(request: HttpRequest) -> HttpResponse:
        time.sleep(0.05)
        return HttpResponse(status=201)

    def one(n: int) -> int:
        request = RequestFactory().post("/api/applications", REMOTE_ADDR="198.51.100.40")
        request.user = AnonymousUser()
        return submit(request).status_code

    # when 40 are sent from one address at the same moment
    codes = _all_at_once(one)
    # then exactly 10 are submitted and 30 refused
    assert codes.count(201) == LIMIT
    assert codes.count(429) == ATTEMPTS - LIMIT


def test_exactly_the_limit_of_parallel_routing_suggestions_pass(counting_cache: str, settings: Any) -> None:
    # given an allowance of 10 suggestions (switched off: each answers 503, which costs a place too)
    settings.ROUTING_SUGGEST_RATE_LIMIT = LIMIT
    settings.PUBLIC_RATE_WINDOW_S = WINDOW_S
    settings.ROUTING_SUGGESTIONS_ENABLED = False

    def one(n: int) -> int:
        client = Client(REMOTE_ADDR="198.51.100.41")
        return client.post("/api/routing/suggest", {"text": "粗大ごみ"}, content_type="application/json").status_code

    # when 40 arrive over HTTP at the same moment
    codes = _all_at_once(one)
    # then 10 reach the view and 30 are refused
    assert codes.count(503) == LIMIT
    assert codes.count(429) == ATTEMPTS - LIMIT
