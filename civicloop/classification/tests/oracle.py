# SPDX-License-Identifier: MPL-2.0
"""The expected answer for every combination, written from DOMAIN.md without reading policy.py.

Kept deliberately plain — lists and ifs — so that a mistake in the policy and a mistake here are
unlikely to be the same mistake.
"""

from dataclasses import dataclass

ORDER = ["OFFICIAL", "SECRET", "TOP_SECRET"]

# The highest tier a device posture opens (the classification issue: unknown or non-compliant
# devices get OFFICIAL only; BYOD up to SECRET; TOP SECRET only from a managed device).
DEVICE_MAX = {"unknown": "OFFICIAL", "noncompliant": "OFFICIAL", "byod": "SECRET", "managed": "TOP_SECRET"}

# What each tier forbids even to people who may see it (DOMAIN.md, "sharing").
FORBIDDEN = {
    "OFFICIAL": [],
    "SECRET": ["email"],
    "TOP_SECRET": ["export", "print", "email", "share", "api"],
}


@dataclass(frozen=True)
class Subject:
    kind: str  # "resident", "anonymous" or "staff"
    name: str
    owns: bool = False  # residents: the world's objects are theirs
    clearance: str = "OFFICIAL"
    in_department: bool = False  # staff of 清掃リサイクル課, the owning department
    granted: bool = False  # holds a need-to-know grant for every object of the world
    oversight: bool = False  # auditor or information-security officer


def expected(subject: Subject, tier: str, device: str, action: str) -> bool:
    """May `subject`, on a `device`, perform `action` on an object of `tier`?"""
    if subject.kind == "anonymous":
        return False
    if subject.kind == "resident":
        # Residents always reach their own data, whatever its tier; they never work a case.
        return subject.owns and action != "work"
    if action == "edit":
        return False  # staff never change a resident's answers
    if ORDER.index(tier) > ORDER.index(subject.clearance):
        return False
    if ORDER.index(tier) > ORDER.index(DEVICE_MAX[device]):
        return False
    if action in FORBIDDEN[tier]:
        return False
    if action == "work":
        # Acting needs the owning department; auditors and the security officer never act, and a
        # need-to-know grant opens sight only (TOP SECRET asks for both department and grant).
        if subject.oversight or not subject.in_department:
            return False
        return subject.granted if tier == "TOP_SECRET" else True
    if tier == "TOP_SECRET":
        return subject.granted  # named people only
    if subject.in_department or subject.granted:
        return True
    return subject.oversight and action == "view"
