# SPDX-License-Identifier: MPL-2.0
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from civicloop.accounts.models import Department, User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.notifications import worker
from civicloop.notifications.channels import fakes
from civicloop.relay.relay import run_pass


@pytest.fixture(autouse=True)
def _empty_fake_gateways() -> Iterator[None]:
    fakes.reset()
    yield
    fakes.reset()


@pytest.fixture
def submit(sodai_gomi: Procedure) -> Callable[..., Application]:
    """Submit a bulky-waste application for `user` through the API action (opens its case too)."""
    counter = iter(range(1, 10_000))

    def submitted(user: User) -> Application:
        application, _created = application_actions.submit_from_api(
            user=user, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key=f"key-{next(counter):08d}"
        )
        relay_all()  # the receipt notice, as the worker queues it a moment after the commit
        return application

    return submitted


@pytest.fixture
def case(resident: User, submit: Callable[..., Application]) -> Case:
    """The resident's submitted bulky-waste application's case, in 清掃リサイクル課."""
    return Case.objects.select_related("application").get(application=submit(resident))


@pytest.fixture
def chief(catalog: None) -> User:
    """清掃リサイクル課's 課長, for reminders."""
    user = User.objects.create(
        username="chief", kind=User.Kind.STAFF, full_name="清掃 課長", email="chief@city.example", position="kacho"
    )
    user.departments.add(Department.objects.get(code="seiso"))
    return user


def relay_all() -> int:
    """Run the event relay until it has handed every event to its consumers (receipt notices)."""
    total = 0
    while handled := run_pass():
        total += handled
    return total


def deliver_all() -> int:
    """Relay the events, then send until nothing is due (what `manage.py worker` does between sleeps).

    Returns how many notices were sent (the relay's work is not counted)."""
    relay_all()
    total = 0
    while handled := worker.run_once():
        total += handled
    return total


def in_transaction(func: Callable[[], object]) -> object:
    with transaction.atomic():
        return func()


class Receiver(ThreadingHTTPServer):
    """A real local HTTP endpoint (webhook receiver, SMS gateway, LINE API) that keeps what it got."""

    status = 200
    reply = b""
    received: list[tuple[dict[str, str], bytes]]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers.items()), body))
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.reply)))
        self.end_headers()
        self.wfile.write(self.server.reply)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), _Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
