# SPDX-License-Identifier: MPL-2.0
"""The chat's access matrix: people × clearances × device postures × channels × read paths.

Every combination is compared with `expected` below, written from the rules in words (rules.py's
docstring), not from the code: a path that shows what it should not is a leak, one that hides what
it should show is a broken page. Both fail. (The websocket runs the same access helper; its
refusals are in test_consumer.py.) A file attached to each message is downloaded by each of them too
(the file has its channel's tier: the rules on a file below its channel's are in test_files.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Department, Role, User
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.collab import actions
from civicloop.collab.models import Channel, Message
from civicloop.collab.rules import ChatAction, Kind, evaluate_channel
from civicloop.collab.tests.conftest import MANAGED, relabel, signed_in
from civicloop.testing.factories import CaseFactory, StaffFactory
from civicloop.testing.pdfs import make_pdf

TINY_PDF = make_pdf()

pytestmark = pytest.mark.django_db

ORDER = ["OFFICIAL", "SECRET", "TOP_SECRET"]
DEVICE_MAX = {"unknown": "OFFICIAL", "noncompliant": "OFFICIAL", "byod": "SECRET", "managed": "TOP_SECRET"}


@dataclass(frozen=True)
class Persona:
    name: str
    department: str
    in_department: bool = False  # of 清掃リサイクル課, which owns the department and case channels
    group_member: bool = False  # named in the group channels
    oversight: bool = False  # auditor: sees the case as an overseer


PERSONAS = [
    Persona("clerk of the department", "seiso", in_department=True),
    Persona("clerk of another department", "kosodate_kyufu"),
    Persona("clerk of another department named in the group", "kosodate_kyufu", group_member=True),
    Persona("auditor", "somu", oversight=True),
]


def expected(persona: Persona, clearance: str, device: str, kind: str, tier: str, action: str) -> bool:
    if ORDER.index(tier) > ORDER.index(clearance) or ORDER.index(tier) > ORDER.index(DEVICE_MAX[device]):
        return False
    if tier == "TOP_SECRET":
        return False  # never in chat
    if kind == "department":
        return persona.in_department
    if kind == "case":  # as the case: its department; an overseer reads it but does not post
        return persona.in_department or (persona.oversight and action == "read")
    return persona.group_member


@dataclass
class Room:
    channel: Channel
    kind: str
    tier: str
    message: Message
    mark: str


def _rooms(founder: User, member: User) -> list[Room]:
    seiso = Department.objects.get(code="seiso")
    rooms = []
    for tier in ORDER:
        channels: list[tuple[str, Channel]] = []
        if tier != "TOP_SECRET":
            channels.append(
                (
                    "department",
                    actions.open_department_channel(
                        department=seiso, name=f"dept {tier}", opened_by=founder, classification=tier
                    ),
                )
            )
            channels.append(
                (
                    "group",
                    actions.open_conversation(
                        kind=Kind.GROUP, members=[member], opened_by=founder, name=f"group {tier}", classification=tier
                    ),
                )
            )
        case = CaseFactory.create()
        channel = actions.open_case_channel(case=case, opened_by=founder, context=MANAGED)
        for kind, room in [*channels, ("case", channel)]:
            mark = f"MARK-{kind}-{tier}"
            attached = SimpleUploadedFile(f"{mark}.pdf", TINY_PDF, content_type="application/pdf")
            message = actions.post_message(
                channel=room, author=founder, body=f"{mark} 本文", context=MANAGED, files=[attached]
            )
            rooms.append(Room(room, kind, tier, message, mark))
        if tier != "OFFICIAL":  # the case (and its channel, messages) relabelled after the talk began
            relabel(case, tier)
    return [
        Room(
            Channel.objects.select_related("case", "department").get(pk=r.channel.pk), r.kind, r.tier, r.message, r.mark
        )
        for r in rooms
    ]


def _people(make: Callable[..., User]) -> list[tuple[Persona, str, User, Client]]:
    people = []
    for persona in PERSONAS:
        for clearance in ORDER:
            roles = [Role.AUDITOR] if persona.oversight else []
            user = make(department=persona.department, clearance=clearance, roles=roles)
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
            user.refresh_from_db()
            people.append((persona, clearance, user, signed_in(user)))
    return people


def _get(client: Client, url: str, device: str, **params: str) -> Any:
    return client.get(url, params, headers={"X-Test-Device-Trust": device})


def test_every_chat_read_path_reveals_exactly_what_the_rules_allow(
    catalog: None, device_header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given channels of every kind and tier, each with one marked message, and people of every kind
    founder = StaffFactory.create(department="seiso", clearance="TOP_SECRET", username="founder")
    people = _people(StaffFactory.create)
    member = next(u for p, c, u, _ in people if p.group_member and c == "TOP_SECRET")
    with transaction.atomic():
        rooms = _rooms(founder, member)
    for persona, _clearance, user, _client in people:
        if persona.group_member and user != member:
            for room in rooms:
                if room.kind == "group":
                    room.channel.memberships.create(user=user)
    leaks: list[str] = []
    hidden: list[str] = []
    checked = 0
    # when every path is asked for every combination
    for persona, clearance, user, client in people:
        for device in DEVICE_MAX:
            context = Context(device_trust=DeviceTrust(device))
            listing = _get(client, reverse("collab:channel-list"), device).content.decode()
            search = _get(client, reverse("collab:message-search"), device, q="MARK").content.decode()
            admin = _get(client, "/admin/collab/message/", device).content.decode()
            readable = set(Channel.objects.readable_by(user, context).values_list("pk", flat=True))
            for room in rooms:
                public_id = room.channel.public_id
                paths = {
                    "rules read": evaluate_channel(user, ChatAction.READ, room.channel, context).allowed,
                    "rules post": evaluate_channel(user, ChatAction.POST, room.channel, context).allowed,
                    "readable_by": room.channel.pk in readable,
                    "channel list": str(public_id) in listing,
                    "channel page": _get(client, reverse("collab:channel-detail", args=[public_id]), device).status_code
                    == 200,
                    "poll json": _get(client, reverse("collab:message-list-json", args=[public_id]), device).status_code
                    == 200,
                    "thread page": _get(
                        client, reverse("collab:thread", args=[public_id, room.message.public_id]), device
                    ).status_code
                    == 200,
                    "read marker": client.post(
                        reverse("collab:read-marker", args=[public_id]),
                        {"message": [str(room.message.public_id)]},
                        headers={"X-Test-Device-Trust": device},
                    ).status_code
                    == 204,
                    "file download": _get(
                        client, reverse("collab:file-download", args=[room.message.files.get().public_id]), device
                    ).status_code
                    == 200,
                    "search": room.mark in search,
                    "admin message list": str(room.message.public_id) in admin,
                }
                for path, got in paths.items():
                    action = "post" if path == "rules post" else "read"
                    want = expected(persona, clearance, device, room.kind, room.tier, action)
                    checked += 1
                    if got != want:
                        line = f"{path} | {persona.name} ({clearance}) | {room.kind} {room.tier} | {device}: got {got}"
                        (leaks if got else hidden).append(line)
    with capsys.disabled():
        print(f"\nchat access matrix: {checked} combinations, {len(leaks)} leaks, {len(hidden)} wrongly hidden")
    # then nothing leaks and nothing allowed is hidden
    assert not leaks, "LEAKS:\n" + "\n".join(leaks[:40])
    assert not hidden, "wrongly refused:\n" + "\n".join(hidden[:40])
    assert checked == len(PERSONAS) * 3 * 4 * len(rooms) * 11
