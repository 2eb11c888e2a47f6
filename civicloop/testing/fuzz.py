# SPDX-License-Identifier: MPL-2.0
"""schemathesis over /api/openapi.json, in-process: what the API's fuzz tests share.

`api_schema()` loads the document from Django's own WSGI handler (not config.wsgi, which refuses to
start with the demo on and DEBUG off, as pytest-django leaves it), with the end of each request no
longer closing the database connection: that connection holds the test's transaction (PostgreSQL),
as Django's test client keeps it. Start it after any fixture that uses Django's test client, which
connects `close_old_connections` again after each of its requests.

`fuzz()` runs a few generated requests against every operation (schemathesis's pytest plugin
predates pytest 9), derandomised so a run is repeatable.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

OPENAPI = "/api/openapi.json"


@contextmanager
def api_schema() -> Iterator[Any]:
    """The API's OpenAPI document as a schemathesis schema, calling the app in this process."""
    application = get_wsgi_application()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(OPENAPI, application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(
    schema: Any,
    *,
    checks: Sequence[Callable[..., Any]],
    max_examples: int,
    prefix: str = "",
    **call: Any,
) -> int:
    """`max_examples` requests for each operation whose path starts with `prefix`, each checked with
    `checks`; `call` goes to every request (`headers=`, `cookies=`). Returns how many operations ran."""
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(prefix):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: Any) -> None:
            case.call_and_validate(checks=list(checks), **call)

        run()
    return operations
