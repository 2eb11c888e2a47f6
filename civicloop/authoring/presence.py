# SPDX-License-Identifier: MPL-2.0
"""Presence: the y-protocols awareness messages the editors exchange, read and restamped by the server.

An awareness update (frame type 1) is `varUint8Array` of: a count, then for each client its
`clientID`, a `clock` and its state as a JSON string (`null` once it left). The editor puts its
cursor there; the server replaces the `user` it claims with the signed-in person's name and a
colour of its own, so no one appears under another's name, and drops entries for any client id
but the one the socket spoke for first.
"""

import json
from dataclasses import dataclass
from typing import Any

MESSAGE_AWARENESS = 1
MAX_STATE = 8 * 1024  # a cursor and a name; a larger state is dropped
# Colours of the carets and names (contrast ≥ 4.5:1 on white for the name labels' white text).
PALETTE = ("#0017c1", "#a00000", "#005c2e", "#6b2fa6", "#8a4b00", "#00626b")


class MalformedAwareness(ValueError):
    """Bytes that are not an awareness message."""


@dataclass(frozen=True)
class Entry:
    client_id: int
    clock: int
    state: Any  # None: the client left


def _read_uint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise MalformedAwareness("truncated number")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def _bytes(data: bytes) -> bytes:
    return _uint(len(data)) + data


def read(frame: bytes) -> list[Entry]:
    """The entries of one awareness frame (`[1, varUint8Array(update)]`)."""
    kind, at = _read_uint(frame, 0)
    if kind != MESSAGE_AWARENESS:
        raise MalformedAwareness("not an awareness message")
    length, at = _read_uint(frame, at)
    update = frame[at : at + length]
    if len(update) != length:
        raise MalformedAwareness("truncated update")
    count, at = _read_uint(update, 0)
    entries = []
    for _ in range(count):
        client_id, at = _read_uint(update, at)
        clock, at = _read_uint(update, at)
        size, at = _read_uint(update, at)
        raw = update[at : at + size]
        at += size
        if len(raw) != size:
            raise MalformedAwareness("truncated state")
        try:
            state = json.loads(raw.decode()) if size <= MAX_STATE else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedAwareness("state is not JSON") from exc
        entries.append(Entry(client_id, clock, state))
    return entries


def write(entries: list[Entry]) -> bytes:
    """One awareness frame holding `entries`."""
    update = _uint(len(entries))
    for entry in entries:
        state = json.dumps(entry.state, ensure_ascii=False, separators=(",", ":")).encode()
        update += _uint(entry.client_id) + _uint(entry.clock) + _bytes(state)
    return _uint(MESSAGE_AWARENESS) + _bytes(update)


def colour_of(user_pk: int) -> str:
    return PALETTE[user_pk % len(PALETTE)]


def stamped(entry: Entry, *, name: str, user_pk: int) -> Entry:
    """The entry with the server's `user`: the person's name and colour, whatever the editor claimed."""
    if not isinstance(entry.state, dict):
        return Entry(entry.client_id, entry.clock, None)
    colour = colour_of(user_pk)
    state = {**entry.state, "user": {"name": name, "color": colour, "slot": PALETTE.index(colour)}}
    return Entry(entry.client_id, entry.clock, state)


def left(client_id: int, clock: int) -> bytes:
    """The frame saying this client left (what y-protocols sends when a window closes)."""
    return write([Entry(client_id, clock + 1, None)])
