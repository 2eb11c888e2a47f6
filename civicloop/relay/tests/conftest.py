# SPDX-License-Identifier: MPL-2.0
"""Relay test fixtures: a real HTTP receiver in a thread, consumers, events."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from civicloop.accounts.models import Role, User
from civicloop.core import events
from civicloop.core.models import Classification, Event
from civicloop.relay.tests import consumers


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: answers the queued status codes in turn, then 200."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/civicloop"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def record_event(db: None) -> Callable[..., Event]:
    def record(
        short_type: str = "thing.happened",
        *,
        subject: str = "thing/1",
        data: dict[str, object] | None = None,
        classification: str = Classification.OFFICIAL,
    ) -> Event:
        with transaction.atomic():
            return events.record(short_type, subject=subject, data=data or {}, classification=classification)

    return record


@pytest.fixture
def test_consumers(settings: pytest.FixtureRequest) -> Iterator[None]:
    consumers.SEEN.clear()
    consumers.CRASHES_LEFT["n"] = 0
    yield
    consumers.SEEN.clear()


@pytest.fixture
def administrator(db: None) -> User:
    return User.objects.create(username="admin-staff", kind=User.Kind.STAFF, roles=[Role.ADMINISTRATOR], is_staff=True)


@pytest.fixture
def security_officer(db: None) -> User:
    return User.objects.create(
        username="ciso", kind=User.Kind.STAFF, roles=[Role.SECURITY_OFFICER], clearance=Classification.SECRET
    )
