# SPDX-License-Identifier: MPL-2.0
"""The compliance rules for a device's posture: configuration (settings), not code.

A posture is what the device's agent last reported. The rules that depend only on the report
(encryption, screen lock, jailbreak, patch age) are evaluated at check-in and stored with the
device; the one that depends on the clock (how long ago the device checked in) is evaluated on
every request, so a device that stops reporting loses its trust without anyone acting.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings


class Reason(StrEnum):
    """Why a device is not compliant (stored as these codes; the pages translate them)."""

    NEVER_CHECKED_IN = "never_checked_in"
    CHECK_IN_OVERDUE = "check_in_overdue"
    PATCH_TOO_OLD = "patch_too_old"
    DISK_NOT_ENCRYPTED = "disk_not_encrypted"
    NO_SCREEN_LOCK = "no_screen_lock"
    JAILBROKEN = "jailbroken"


@dataclass(frozen=True)
class Posture:
    """One check-in report from a device's agent."""

    os: str
    os_version: str
    patch_level: date
    disk_encrypted: bool
    screen_lock: bool
    jailbroken: bool
    agent_version: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["patch_level"] = self.patch_level.isoformat()
        return data


@dataclass(frozen=True)
class Rules:
    """The compliance rules in force (settings DEVICE_*, docs/devices.md)."""

    patch_max_age_days: int
    require_encryption: bool
    require_screen_lock: bool
    forbid_jailbreak: bool
    check_in_max_age_hours: int

    @classmethod
    def from_settings(cls) -> "Rules":
        return cls(
            patch_max_age_days=settings.DEVICE_PATCH_MAX_AGE_DAYS,
            require_encryption=settings.DEVICE_REQUIRE_ENCRYPTION,
            require_screen_lock=settings.DEVICE_REQUIRE_SCREEN_LOCK,
            forbid_jailbreak=settings.DEVICE_FORBID_JAILBREAK,
            check_in_max_age_hours=settings.DEVICE_CHECKIN_MAX_AGE_HOURS,
        )


def posture_reasons(posture: Posture, *, today: date, rules: Rules) -> list[Reason]:
    """The rules this report breaks, in a fixed order; empty when the device is compliant."""
    reasons = []
    if (today - posture.patch_level).days > rules.patch_max_age_days:
        reasons.append(Reason.PATCH_TOO_OLD)
    if rules.require_encryption and not posture.disk_encrypted:
        reasons.append(Reason.DISK_NOT_ENCRYPTED)
    if rules.require_screen_lock and not posture.screen_lock:
        reasons.append(Reason.NO_SCREEN_LOCK)
    if rules.forbid_jailbreak and posture.jailbroken:
        reasons.append(Reason.JAILBROKEN)
    return reasons


def check_in_reason(last_check_in_at: datetime | None, *, now: datetime, rules: Rules) -> Reason | None:
    """The clock-dependent rule: a device that has not reported recently is not trusted."""
    if last_check_in_at is None:
        return Reason.NEVER_CHECKED_IN
    if now - last_check_in_at > timedelta(hours=rules.check_in_max_age_hours):
        return Reason.CHECK_IN_OVERDUE
    return None
