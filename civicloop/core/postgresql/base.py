# SPDX-License-Identifier: MPL-2.0
"""Django's PostgreSQL backend, with a health check that costs no round trip on a quiet connection.

With CONN_HEALTH_CHECKS, Django asks a kept connection `SELECT 1` before the first query of every
request, so that a connection the server dropped between two requests (restart, failover,
`pg_terminate_backend`, `idle_session_timeout`) is replaced instead of failing the request. That
is a round trip, and a statement for the server, on every request: 116 µs of wall time and 61 µs
of the worker's CPU per request on the bench machine (bench/health_check.py, bench/README.md).

A server that ends a session sends a FATAL message and closes its end of the socket, and a
connection between two requests expects nothing from the server. So the check first looks,
without waiting, whether anything arrived: when the socket is quiet and the connection idle, it
is usable as it was; when anything arrived (an error, a closed socket, a notice or a NOTIFY), or
psycopg already knows it broken, Django's `SELECT 1` decides, as before. A connection that died
without a word (a cut network) is not found by either check before the request's first query.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import ConnStatus, TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        if _quiet_and_idle(self.connection):
            return True
        return bool(super().is_usable())


def _quiet_and_idle(connection: object) -> bool:
    """True when the server has sent nothing on an idle, unbroken psycopg connection."""
    if not hasattr(select, "poll"):  # not on Windows: Django's check there
        return False
    if not isinstance(connection, psycopg.Connection) or connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != ConnStatus.OK or pgconn.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)  # POLLHUP and POLLERR are reported whether asked or not
    except (OSError, psycopg.OperationalError):
        return False
