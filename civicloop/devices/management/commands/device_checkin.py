# SPDX-License-Identifier: MPL-2.0
"""A stand-in for a device's posture agent, for tests, the demo and trying the rules out."""

import argparse
import json
from datetime import date
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError
from pydantic import ValidationError

from civicloop.devices import actions
from civicloop.devices.api import PostureIn, check_in_result, posture_from


class Command(BaseCommand):
    help = (
        "Report a device's posture like its agent would: to a running server with --url "
        "(POST /api/devices/checkin), otherwise through the same function in this process."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--token", required=True, help="The device's enrolment token (cld_…)")
        parser.add_argument("--os", required=True, help="e.g. macOS, Windows, iOS, Android")
        parser.add_argument("--os-version", default="unknown")
        parser.add_argument("--patch-level", required=True, help="Newest security patch, YYYY-MM-DD")
        parser.add_argument("--disk-encrypted", action=argparse.BooleanOptionalAction, default=False)
        parser.add_argument("--screen-lock", action=argparse.BooleanOptionalAction, default=False)
        parser.add_argument("--jailbroken", action=argparse.BooleanOptionalAction, default=False)
        parser.add_argument("--agent-version", default="civicloop-fake-agent/1")
        parser.add_argument("--url", default="", help="Base URL of a running civicloop, e.g. http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        body = {
            "os": options["os"],
            "os_version": options["os_version"],
            "patch_level": options["patch_level"],
            "disk_encrypted": options["disk_encrypted"],
            "screen_lock": options["screen_lock"],
            "jailbroken": options["jailbroken"],
            "agent_version": options["agent_version"],
        }
        result = self._post(options["url"], options["token"], body) if options["url"] else self._local(options, body)
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    @staticmethod
    def _post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            url.rstrip("/") + "/api/devices/checkin",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        if response.status_code != 200:
            raise CommandError(f"check-in refused ({response.status_code}): {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result

    @staticmethod
    def _local(options: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        try:
            date.fromisoformat(body["patch_level"])
            payload = PostureIn(**body)
        except (ValueError, ValidationError) as exc:
            raise CommandError(f"bad posture: {exc}") from exc
        device = actions.device_for_token(options["token"])
        if device is None:
            raise CommandError("no active device has this token")
        try:
            device = actions.check_in_device(device=device, posture=posture_from(payload))
        except (actions.InvalidPosture, actions.NotAllowed) as exc:
            raise CommandError(str(exc)) from exc
        return check_in_result(device)
