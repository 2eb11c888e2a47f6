# SPDX-License-Identifier: MPL-2.0
"""A worker's kept database connection dropped by the server (restart, failover, idle timeout) is
replaced before the next request uses it: that request is served, not answered with a 500.

Requests go through Django's WSGI handler itself, as gunicorn calls it, because the test client
turns off the connection housekeeping that runs at the start and end of each request.
"""

import io
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the server-side kill needs PostgreSQL"),
]


@pytest.fixture
def kept_connections() -> Iterator[None]:
    """Connections kept between requests, as in production (CIVICLOOP_DB_CONN_MAX_AGE)."""
    before = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    yield
    connection.settings_dict["CONN_MAX_AGE"] = before


def _get(path: str) -> int:
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.errors": io.StringIO()}
    setup_testing_defaults(environ)
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    body = WSGIHandler()(environ, start_response)
    b"".join(body)
    body.close()  # the end of the request, where the server closes the response
    return int(statuses[0].split()[0])


def _terminate(backend_pid: int) -> None:
    """Kill a backend from another connection, as a restarting or failing-over server would."""
    params = {key: value for key, value in connection.get_connection_params().items() if key != "context"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


def test_a_request_after_the_server_dropped_the_connection_is_served(kept_connections: None, catalog: None) -> None:
    # given a worker that served a request and kept its connection
    assert _get("/api/procedures") == 200
    assert connection.connection is not None, "the connection is kept between requests"
    backend_pid = connection.connection.info.backend_pid
    # when the server drops that connection between two requests
    _terminate(backend_pid)
    # then the next request is served, on a new connection
    assert _get("/api/procedures") == 200
    assert connection.connection.info.backend_pid != backend_pid
