# SPDX-License-Identifier: MPL-2.0
"""The chat websocket (channels' WebsocketCommunicator against config.asgi): who connects, what arrives."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels import consumer as channels_consumer
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction

from civicloop.accounts.models import Department, User
from civicloop.collab import actions, consumers, realtime
from civicloop.collab.consumers import REFUSED
from civicloop.collab.models import Channel, Message
from civicloop.collab.routing import websocket_application
from civicloop.collab.tests.conftest import post, signed_in
from civicloop.core.models import AuditEntry

# Consumers reach the database from their own thread and close connections that are inside a
# transaction: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]


@pytest.fixture
def channel(seiso_clerk: User) -> Channel:
    return actions.open_department_channel(
        department=Department.objects.get(code="seiso"), name="清掃", opened_by=seiso_clerk
    )


def _communicator(user: User | None, channel: Channel, *, after: int = 0, origin: str = "http://testserver") -> Any:
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        session = signed_in(user).cookies["sessionid"].value
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(websocket_application, f"/ws/chat/{channel.public_id}/?after={after}", headers=headers)


def _committed_post(channel: Channel, author: User, body: str) -> Any:
    """Post as a view would: committed, so the announcement goes out."""

    @database_sync_to_async
    def write() -> Message:
        with transaction.atomic():
            return post(channel, author, body)

    return write()


def test_a_member_of_the_department_receives_a_message_as_it_is_posted(
    channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    socket = _communicator(seiso_colleague, channel)

    async def scenario() -> tuple[bool, dict[str, Any], Message]:
        # given the colleague's socket is open
        connected, _code = await socket.connect(30)
        # when the clerk posts (committed, then announced)
        message = await _committed_post(channel, seiso_clerk, "いま届きますか")
        # then the socket gets it
        received = await socket.receive_json_from(10)
        await socket.disconnect()
        return connected, received, message

    connected, received, message = async_to_sync(scenario)()
    assert connected
    assert received["type"] == "message" and received["message"]["public_id"] == str(message.public_id)
    assert received["message"]["body"] == "いま届きますか"


def test_a_reconnecting_socket_catches_up_from_its_last_change(
    channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    first = post(channel, seiso_clerk, "一件目")
    post(channel, seiso_clerk, "二件目")
    post(channel, seiso_clerk, "三件目")
    socket = _communicator(seiso_colleague, channel, after=first.seq)

    async def scenario() -> tuple[bool, list[str], bool]:
        connected, _code = await socket.connect(30)
        bodies = [(await socket.receive_json_from(10))["message"]["body"] for _ in range(2)]
        nothing_more = await socket.receive_nothing(0.3)
        await socket.disconnect()
        return connected, bodies, nothing_more

    connected, bodies, nothing_more = async_to_sync(scenario)()
    assert connected and bodies == ["二件目", "三件目"] and nothing_more


def _refused(socket: Any) -> tuple[bool, Any]:
    async def scenario() -> tuple[bool, Any]:
        result: tuple[bool, Any] = await socket.connect(30)
        return result

    return async_to_sync(scenario)()


def test_someone_outside_the_department_is_refused_and_the_refusal_is_audited(channel: Channel, outsider: User) -> None:
    connected, code = _refused(_communicator(outsider, channel))
    assert not connected and code == REFUSED
    assert AuditEntry.objects.filter(action="access.chat_read", data__allowed=False).exists()


def test_a_visitor_who_is_not_signed_in_is_refused(channel: Channel) -> None:
    connected, _code = _refused(_communicator(None, channel))
    assert not connected


def test_a_page_of_another_site_cannot_open_the_socket(channel: Channel, seiso_colleague: User) -> None:
    connected, _code = _refused(_communicator(seiso_colleague, channel, origin="https://evil.example"))
    assert not connected


def test_a_reader_who_leaves_the_department_is_disconnected_at_the_next_message(
    channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    socket = _communicator(seiso_colleague, channel)

    @database_sync_to_async
    def move_to_another_department() -> None:
        seiso_colleague.departments.set(Department.objects.filter(code="kosodate_kyufu"))

    async def scenario() -> tuple[bool, dict[str, Any]]:
        # given the colleague is connected
        connected, _code = await socket.connect(30)
        # when they move to another department and a message is posted
        await move_to_another_department()
        await _committed_post(channel, seiso_clerk, "もう読めないはず")
        # then the message does not reach them: the socket is closed instead
        output: dict[str, Any] = await socket.receive_output(10)
        return connected, output

    connected, output = async_to_sync(scenario)()
    assert connected and output["type"] == "websocket.close" and output["code"] == REFUSED


def _connected_then(socket: Any, change: Any) -> dict[str, Any]:
    """Connect, make `change` (committed) with no message posted, and return what the socket gets next."""

    async def scenario() -> dict[str, Any]:
        connected, _code = await socket.connect(30)
        assert connected
        await database_sync_to_async(change)()
        output: dict[str, Any] = await socket.receive_output(10)
        return output

    return async_to_sync(scenario)()


def test_a_reader_whose_account_is_deactivated_is_disconnected_at_once(channel: Channel, seiso_colleague: User) -> None:
    def deactivate() -> None:
        seiso_colleague.is_active = False
        seiso_colleague.save(update_fields=["is_active"])

    output = _connected_then(_communicator(seiso_colleague, channel), deactivate)
    assert output["type"] == "websocket.close" and output["code"] == REFUSED


def test_a_reader_who_signs_out_elsewhere_is_disconnected(channel: Channel, seiso_colleague: User) -> None:
    client = signed_in(seiso_colleague)
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    socket = WebsocketCommunicator(websocket_application, f"/ws/chat/{channel.public_id}/", headers=headers)
    output = _connected_then(socket, client.logout)
    assert output["type"] == "websocket.close" and output["code"] == REFUSED


def test_a_change_nobody_announced_still_closes_the_socket_within_the_recheck_interval(
    channel: Channel, seiso_clerk: User, seiso_colleague: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given decisions are taken again before any delivery (an interval of zero)
    monkeypatch.setattr(consumers, "RECHECK_S", 0.0)
    socket = _communicator(seiso_colleague, channel)

    async def scenario() -> dict[str, Any]:
        connected, _code = await socket.connect(30)
        assert connected
        # when the account is closed by an update() that sends no signal, then a message is posted
        await database_sync_to_async(lambda: User.objects.filter(pk=seiso_colleague.pk).update(is_active=False))()
        await _committed_post(channel, seiso_clerk, "届かないはず")
        output: dict[str, Any] = await socket.receive_output(10)
        return output

    # then the message is not passed on: the socket is closed
    output = async_to_sync(scenario)()
    assert output["type"] == "websocket.close" and output["code"] == REFUSED


def test_a_delivery_goes_to_the_socket_without_a_hop_to_the_database_thread(
    channel: Channel, seiso_clerk: User, seiso_colleague: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given Channels' per-handler closing of old connections is counted
    hops: list[str] = []

    async def counted() -> None:
        hops.append("aclose_old_connections")

    monkeypatch.setattr(channels_consumer, "aclose_old_connections", counted)
    socket = _communicator(seiso_colleague, channel)

    async def scenario() -> tuple[dict[str, Any], list[str]]:
        connected, _code = await socket.connect(30)
        assert connected and hops  # the handshake goes through Channels' dispatch, as any non-delivery does
        hops.clear()
        # when a message is posted and delivered
        await _committed_post(channel, seiso_clerk, "速く届く")
        received: dict[str, Any] = await socket.receive_json_from(10)
        during_delivery = list(hops)
        await socket.disconnect()
        return received, during_delivery

    received, during_delivery = async_to_sync(scenario)()
    # then it arrived, and the delivery itself never waited on the database thread
    assert received["message"]["body"] == "速く届く"
    assert during_delivery == []


def test_the_process_joins_a_channel_group_once_however_many_of_its_sockets_read_it(
    channel: Channel, seiso_clerk: User, seiso_colleague: User
) -> None:
    # given two sockets of one process on the same channel
    first, second = _communicator(seiso_colleague, channel), _communicator(seiso_clerk, channel)
    layer: Any = get_channel_layer()
    group = realtime.group_name(channel)

    async def scenario() -> tuple[int, list[str], bool]:
        await first.connect(30)
        await second.connect(30)
        members = len(layer.groups.get(group, {}))
        # when a message is posted
        await _committed_post(channel, seiso_clerk, "二人に届く")
        bodies = [(await socket.receive_json_from(10))["message"]["body"] for socket in (first, second)]
        await first.disconnect()
        await second.disconnect()
        return members, bodies, group in layer.groups

    members, bodies, still_joined = async_to_sync(scenario)()
    # then the layer held one member for the group (the process's fan-out), both sockets got the
    # message, and once both left the process left the group too
    assert members == 1 and bodies == ["二人に届く", "二人に届く"] and not still_joined


class _Recorder(consumers.ChannelConsumer):
    """A consumer whose sends are recorded: the fan-out's hand-over, without a socket."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[str] = []
        self.decided_at = float("inf")  # never due for a recheck here

    async def _send_frame(self, frame: str) -> None:
        self.frames.append(frame)


def test_frames_offered_while_a_socket_catches_up_wait_and_follow_it_once_each() -> None:
    async def scenario() -> list[str]:
        reader = _Recorder()
        async with reader.turn:  # the socket is busy catching up
            await reader.offer(1, "one")  # announced while the catch-up was reading it: sent by the catch-up
            await reader.offer(3, "three")
            await reader.offer(2, "two")  # overtaken by 3: still passed on, the client orders by seq
            reader.caught_up = 1  # the catch-up sent up to change 1
            assert reader.frames == []  # nothing passed on while busy
            await reader._pass_on_held()
        await reader.offer(4, "four")  # then straight through
        return reader.frames

    assert async_to_sync(scenario)() == ["three", "two", "four"]


def test_a_refused_socket_is_offered_nothing_more() -> None:
    async def scenario() -> list[str]:
        reader = _Recorder()
        reader.refused = True
        await reader.offer(1, "one")
        return reader.frames

    assert async_to_sync(scenario)() == []
