# SPDX-License-Identifier: MPL-2.0
"""A worker's kept database connection dropped by the server (restart, failover, idle timeout) is
replaced before the next request uses it: that request is served, not answered with a 500.

Requests go through Django's WSGI handler itself, as gunicorn calls it, because the test client
turns off the connection housekeeping that runs at the start and end of each request.
"""

import io
import select
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


def _admin() -> psycopg.Connection[Any]:
    params = {key: value for key, value in connection.get_connection_params().items() if key != "context"}
    return psycopg.connect(**params, autocommit=True)


def _terminate(backend_pid: int) -> None:
    """Kill a backend from another connection, as a restarting or failing-over server would."""
    with _admin() as admin:
        # With a timeout the call returns once the backend is gone, not when it is signalled.
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])


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


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The connection of each cursor psycopg opens, Django's or the check's own: a statement each."""
    opened: list[object] = []
    real = psycopg.Connection.cursor

    def counting(self: psycopg.Connection[Any], *args: Any, **kwargs: Any) -> Any:
        opened.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "cursor", counting)
    return opened


def _check_as_a_request_starts() -> None:
    connection.health_check_done = False  # type: ignore[attr-defined] # what the request_started signal resets
    connection.close_if_health_check_failed()


def test_a_quiet_kept_connection_is_reused_without_a_statement(
    kept_connections: None, statements: list[object]
) -> None:
    connection.ensure_connection()
    kept = connection.connection
    statements.clear()  # opening it set its time zone
    _check_as_a_request_starts()
    assert connection.connection is kept
    assert kept not in statements, "no SELECT 1 on a connection the server said nothing on"


def test_a_connection_the_server_spoke_on_is_asked_and_kept_when_it_answers(
    kept_connections: None, statements: list[object]
) -> None:
    # given a kept connection with something waiting on its socket: a NOTIFY on a channel it listens to
    connection.ensure_connection()
    kept = connection.connection
    kept.execute("LISTEN civicloop_health_check_test")
    statements.clear()
    with _admin() as admin:  # another connection
        admin.execute("NOTIFY civicloop_health_check_test")
    assert select.select([kept.pgconn.socket], [], [], 5)[0], "the notification reached the socket"
    # when the next request checks it
    _check_as_a_request_starts()
    # then Django's SELECT 1 decided, and the healthy connection stays
    assert statements.count(kept) == 1
    assert connection.connection is kept
    kept.execute("UNLISTEN *")


def test_a_connection_the_server_dropped_is_closed_by_the_check(kept_connections: None) -> None:
    connection.ensure_connection()
    _terminate(connection.connection.info.backend_pid)
    _check_as_a_request_starts()
    assert connection.connection is None, "closed, to be opened afresh by the first query"
