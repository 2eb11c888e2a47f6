# SPDX-License-Identifier: MPL-2.0
"""The demo history as a stream of events: residents apply, clerks process, approvers approve.

Deterministic for a seed: every random draw comes from one `random.Random` (and one numpy
generator for the daily counts), and ids are drawn from it too, so two runs with the same seed
and dates write the same events.
"""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID, SafeUUID, uuid5

import numpy as np

from civicloop.analytics.history import profiles as p
from civicloop.analytics.procedures import ProcedureInfo
from civicloop.core.calendar import add_business_days, business_days_between, due_date, is_business_day

JST = timezone(timedelta(hours=9))
OFFICE_OPEN = time(8, 30)
OFFICE_HOURS = 8.75  # 8:30–17:15
CLERK_NAMESPACE = UUID("8b0f5f4e-4f4c-4a43-9d8e-6a1f3c2e7d10")
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_V4 = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def clerk_public_id(username: str) -> UUID:
    """Generated clerks get ids derived from their username, so a seed always names the same people."""
    return uuid5(CLERK_NAMESPACE, username)


# (type, subject, time, data, classification, id) — the writer turns these into rows.
Ev = tuple[str, str, datetime, dict[str, Any], str, UUID]


@dataclass
class CaseRow:
    """What the writer needs to create the Application and Case rows behind a generated case."""

    case_id: UUID
    application_id: UUID
    procedure: str
    department: str
    classification: str
    channel: str
    receipt_number: str
    submitted_at: datetime
    due: date
    assignee: str = ""
    closed_at: datetime | None = None
    outcome: str = ""
    corrections: list[tuple[datetime, datetime | None, list[str]]] = field(default_factory=list)


@dataclass
class Chunk:
    events: list[Ev] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    applications: int = 0


class Simulator:
    def __init__(
        self,
        procedures: list[ProcedureInfo],
        clerks: dict[str, list[str]],
        *,
        start: date,
        now: datetime,
        scale: float,
        seed: int,
    ) -> None:
        self.procedures = [info for info in procedures if info.department]
        self.clerks = clerks
        self.start = start
        self.now = now.astimezone(JST)
        self.end = self.now.date()
        self.scale = scale
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.span = max((self.end - self.start).days, 1)
        self._business: dict[date, bool] = {}
        self._due: dict[tuple[date, int, str], date] = {}
        self.typhoon = self.start + timedelta(days=int(self.span * p.TYPHOON_FRACTION))

    # -- calendar helpers ------------------------------------------------------------------------
    def is_open(self, day: date) -> bool:
        value = self._business.get(day)
        if value is None:
            value = self._business[day] = is_business_day(day)
        return value

    def due(self, arrival: date, info: ProcedureInfo) -> date:
        key = (arrival, info.standard_days, info.day_kind)
        value = self._due.get(key)
        if value is None:
            value = self._due[key] = due_date(arrival, max(info.standard_days, 0), info.day_kind)
        return value

    def add_office_hours(self, moment: datetime, hours: float) -> datetime:
        """`hours` of office time after `moment` (8:30–17:15 on business days)."""
        day = moment.date()
        opening = datetime.combine(day, OFFICE_OPEN, JST)
        if not self.is_open(day) or moment >= opening + timedelta(hours=OFFICE_HOURS):
            day = self.next_open(day + timedelta(days=1))
            moment = datetime.combine(day, OFFICE_OPEN, JST)
        elif moment < opening:
            moment = opening
        left = hours
        while True:
            closing = datetime.combine(moment.date(), OFFICE_OPEN, JST) + timedelta(hours=OFFICE_HOURS)
            available = (closing - moment).total_seconds() / 3600
            if left <= available:
                return moment + timedelta(hours=left)
            left -= available
            moment = datetime.combine(self.next_open(moment.date() + timedelta(days=1)), OFFICE_OPEN, JST)

    def next_open(self, day: date) -> date:
        while not self.is_open(day):
            day += timedelta(days=1)
        return day

    # -- random helpers --------------------------------------------------------------------------
    def uuid(self) -> UUID:
        """A random (version 4) UUID drawn from the seeded generator."""
        bits = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_V4
        # UUID(int=…, version=4) validates and reshapes on every call; the bits are already right.
        value = object.__new__(UUID)
        object.__setattr__(value, "int", bits)
        object.__setattr__(value, "is_safe", SafeUUID.unknown)
        return value

    def lognormal(self, median: float, sigma: float = 0.8) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    def receipt(self, year: int) -> str:
        bits = self.rng.getrandbits(40)
        body = "".join(_CROCKFORD[(bits >> (5 * i)) & 31] for i in range(8))
        return f"{year}-{body[:4]}-{body[4:]}"

    def fraction(self, day: date) -> float:
        return (day - self.start).days / self.span

    # -- volumes ---------------------------------------------------------------------------------
    def online_share(self, info: ProcedureInfo, day: date) -> float:
        fraction = self.fraction(day)
        online_from = p.GOES_ONLINE.get(info.code)
        if online_from is not None:
            if fraction < online_from:
                return 0.0
            return min(0.6, 0.1 + (fraction - online_from) * 1.2)  # adoption after launch
        first, last = p.ONLINE_SHARE.get(info.code, p.DEFAULT_ONLINE_SHARE)
        return first + (last - first) * fraction

    def expected(self, info: ProcedureInfo, day: date) -> tuple[float, float]:
        """(online, counter) applications expected on `day` for this procedure."""
        base = p.DAILY_VOLUME.get(info.code, p.DEFAULT_VOLUME) * self.scale
        base *= p.SEASONS.get(info.code, {}).get(day.month, 1.0) * (1.0 + 0.03 * self.fraction(day))
        if info.code == "risai-shomei" and 0 <= (day - self.typhoon).days < p.TYPHOON_DAYS:
            base *= p.TYPHOON_FACTOR * (1.0 - (day - self.typhoon).days / p.TYPHOON_DAYS)
        share = self.online_share(info, day)
        weekday = day.weekday()
        is_open = self.is_open(day)
        counter = base * (1 - share) * (p.WEEKDAY_COUNTER[weekday] if is_open else 0.0)
        online = base * share * (p.WEEKDAY_ONLINE[weekday] if is_open else 0.5)
        return online, counter

    def submit_time(self, day: date, online: bool) -> datetime:
        r = self.rng.random()
        if online:
            hour = (
                self.rng.uniform(9, 18)
                if r < 0.45
                else self.rng.uniform(19, 24)
                if r < 0.85
                else self.rng.uniform(6, 9)
            )
        else:
            hour = 8.5 + 8.75 * self.rng.betavariate(2.0, 2.2)
        return datetime.combine(day, time(0), JST) + timedelta(hours=hour)

    # -- the run ---------------------------------------------------------------------------------
    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def run(self) -> Iterator[Chunk]:
        """One chunk per simulated day: the journeys that begin that day, to their end or to now."""
        for day in self.days():
            chunk = Chunk()
            for info in self.procedures:
                online, counter = self.expected(info, day)
                n_online, n_counter = (int(x) for x in self.np.poisson([online, counter]))
                for _ in range(n_online):
                    self.journey(chunk, info, day, online=True)
                for _ in range(n_counter):
                    self.journey(chunk, info, day, online=False)
                if n_online and info.steps:
                    self.abandoned_drafts(chunk, info, day, n_online)
            self.inquiries(chunk, day)
            yield chunk

    def emit(self, chunk: Chunk, kind: str, subject: str, at: datetime, data: dict[str, Any], cls: str) -> bool:
        if at > self.now:
            return False
        chunk.events.append((kind, subject, at, data, cls, self.uuid()))
        return True

    def abandoned_drafts(self, chunk: Chunk, info: ProcedureInfo, day: date, submitted: int) -> None:
        rate, hotspot = p.ABANDON_HOTSPOTS.get(info.code, (p.ABANDON_RATE, -1))
        n = int(self.np.poisson(submitted * rate / (1 - rate)))
        steps = [s[0] for s in info.steps]
        for _ in range(n):
            application = f"application/{self.uuid()}"
            at = self.submit_time(day, True)
            if hotspot >= 0 and self.rng.random() < 0.7:
                stop = min(hotspot, len(steps) - 1)
            else:
                stop = self.rng.randrange(0, len(steps) + 1) - 1  # -1: left before saving any step
            data = {"procedure": info.code, "version": 1, "guest": False}
            self.emit(chunk, "application.started", application, at, data, info.classification)
            for step in steps[: stop + 1]:
                at += timedelta(seconds=self.rng.uniform(30, 400))
                self.emit(
                    chunk,
                    "application.step_saved",
                    application,
                    at,
                    {"procedure": info.code, "step": step},
                    info.classification,
                )

    def inquiries(self, chunk: Chunk, day: date) -> None:
        expected = p.INQUIRIES_PER_DAY * self.scale * (1.0 if self.is_open(day) else 0.4)
        departments = sorted(self.clerks)
        for _ in range(int(self.np.poisson(expected))):
            subject = f"inquiry/{self.uuid()}"
            at = self.submit_time(day, True)
            suggested = self.rng.choice(departments)
            confident = self.rng.random() < 0.82
            routed = suggested if confident else ""
            data = {
                "channel": self.rng.choice(["web", "web", "web", "phone", "counter"]),
                "suggested_department": suggested,
                "confidence": round(self.rng.uniform(0.5, 0.99) if confident else self.rng.uniform(0.1, 0.5), 3),
                "model_version": 1,
                "routed_to": routed or None,
                "status": "routed" if routed else "triage",
            }
            self.emit(chunk, "inquiry.received", subject, at, data, "OFFICIAL")
            final = routed
            if not routed or self.rng.random() < 0.08:
                final = self.rng.choice(departments)
                at = self.add_office_hours(at, self.lognormal(4))
                self.emit(
                    chunk,
                    "inquiry.rerouted",
                    subject,
                    at,
                    {"from": routed, "to": final, "model_suggested": suggested},
                    "OFFICIAL",
                )
            if self.rng.random() < 0.88:
                at = self.add_office_hours(at, self.lognormal(10))
                self.emit(chunk, "inquiry.answered", subject, at, {"department": final}, "OFFICIAL")

    def classification(self, info: ProcedureInfo) -> str:
        share = p.TOP_SECRET_SHARE.get(info.code, 0.0)
        return "TOP_SECRET" if share and self.rng.random() < share else info.classification

    def journey(self, chunk: Chunk, info: ProcedureInfo, day: date, *, online: bool) -> None:
        chunk.applications += 1
        cls = self.classification(info)
        application_id, case_id = self.uuid(), self.uuid()
        application, case = f"application/{application_id}", f"case/{case_id}"
        submitted = self.submit_time(day, online)
        if online and info.steps:
            at = submitted - timedelta(minutes=self.rng.uniform(4, 40))
            self.emit(
                chunk,
                "application.started",
                application,
                at,
                {"procedure": info.code, "version": 1, "guest": False},
                cls,
            )
            step_gap = (submitted - at) / (len(info.steps) + 1)
            for step, _ja, _en in info.steps:
                at += step_gap
                self.emit(chunk, "application.step_saved", application, at, {"procedure": info.code, "step": step}, cls)
        receipt = self.receipt(submitted.year)
        data = {
            "procedure": info.code,
            "version": 1,
            "department": info.department,
            "receipt_number": receipt,
            "channel": "online" if online else "counter",
            "attachments": self.rng.randrange(0, 3),
        }
        if not self.emit(chunk, "application.submitted", application, submitted, data, cls):
            return
        due = self.due(submitted.date(), info)
        opened = submitted + timedelta(milliseconds=200)
        data = {
            "application": str(application_id),
            "department": info.department,
            "procedure": info.code,
            "due_date": due.isoformat(),
        }
        self.emit(chunk, "case.opened", case, opened, data, cls)
        row = CaseRow(
            case_id, application_id, info.code, info.department, cls, data_channel(online), receipt, submitted, due
        )
        chunk.cases.append(row)
        self.process(chunk, info, row, case, application, opened)

    def task(
        self,
        chunk: Chunk,
        info: ProcedureInfo,
        row: CaseRow,
        task: str,
        started: datetime,
        hours: float,
        outcome: str = "",
    ) -> datetime | None:
        factor = p.incident_factor(info.department, task, started.date(), self.fraction(started.date()))
        done = self.add_office_hours(started, hours * factor)
        data = {
            "task_id": str(self.uuid()),
            "task": task,
            "outcome": outcome,
            "department": info.department,
            "procedure": info.code,
            "started_at": started.isoformat(),
            "duration_s": round((done - started).total_seconds(), 3),
        }
        return (
            done
            if self.emit(chunk, "case.task_completed", f"case/{row.case_id}", done, data, row.classification)
            else None
        )

    def step_hours(self, info: ProcedureInfo, step: str) -> float:
        return self.lognormal(p.STEP_HOURS_BY_PROCEDURE.get((info.code, step), p.STEP_HOURS[step]))

    def process(
        self, chunk: Chunk, info: ProcedureInfo, row: CaseRow, case: str, application: str, at: datetime
    ) -> None:
        cls = row.classification
        clerks = self.clerks.get(info.department) or [""]
        clerk = self.rng.choice(clerks)
        claimed = self.task(chunk, info, row, "intake", at, self.step_hours(info, "intake"))
        if claimed is None:
            return
        row.assignee = clerk
        self.emit(
            chunk,
            "case.claimed",
            case,
            claimed + timedelta(milliseconds=5),
            {"department": info.department, "assignee": clerk},
            cls,
        )
        at = claimed
        if self.rng.random() < p.WITHDRAW_RATE:
            self.close(chunk, info, row, at + timedelta(days=self.rng.uniform(1, 10)), "withdrawn")
            return
        if info.kind == "notification":
            outcome = "accept"
        else:
            reviewed = self.review(chunk, info, row, case, application, at)
            if reviewed is None:
                return
            outcome = "reject" if self.rng.random() < p.REJECT_RATE else "approve"
            checked = self.extra_steps(chunk, info, row, reviewed)
            if checked is None:
                return
            approved = self.approvals(chunk, info, row, checked)
            if approved is None:
                return
            at = approved
        done = self.task(chunk, info, row, "notify", at, self.step_hours(info, "notify"), outcome)
        if done is not None:
            self.close(chunk, info, row, done + timedelta(milliseconds=10), outcome)

    def correction_fields(self, info: ProcedureInfo, day: date) -> list[str]:
        """The answer a 補正 names: the procedure's usual suspect, or any; [] when a fix prevented it."""
        hot, share = p.CORRECTION_HOT_ANSWERS.get(info.code, ("", 0.0))
        if hot and self.rng.random() < share:
            fix = p.CORRECTION_FIXES.get(info.code)
            if fix is not None and self.fraction(day) >= fix[0] and self.rng.random() >= fix[1]:
                return []
            return [hot]
        return [self.rng.choice(info.answers)] if info.answers else ["applicant"]

    def review(
        self, chunk: Chunk, info: ProcedureInfo, row: CaseRow, case: str, application: str, at: datetime
    ) -> datetime | None:
        reviewed = self.task(chunk, info, row, "review", at, self.step_hours(info, "review"), "approve")
        if reviewed is None:
            return None
        if self.rng.random() >= p.CORRECTION_RATES.get(info.code, p.CORRECTION_RATE):
            return reviewed
        fields = self.correction_fields(info, reviewed.date())
        if not fields:
            return reviewed
        data: dict[str, Any] = {"fields": fields, "attachments": [], "department": info.department}
        self.emit(
            chunk, "case.correction_requested", case, reviewed + timedelta(milliseconds=5), data, row.classification
        )
        answered = reviewed + timedelta(days=self.lognormal(3.0, 0.7))
        answered = datetime.combine(answered.date(), time(0), JST) + timedelta(hours=self.rng.uniform(18, 23))
        row.corrections.append((reviewed, answered if answered <= self.now else None, fields))
        paused = business_days_between(reviewed.date(), answered.date())
        moved = add_business_days(row.due, paused)  # as cases.actions.resubmit_correction does
        if not self.emit(
            chunk,
            "application.corrected",
            application,
            answered,
            {"fields": fields, "paused_business_days": paused, "due_date": moved.isoformat()},
            row.classification,
        ):
            return None
        row.due = moved
        data = {
            "task_id": str(self.uuid()),
            "task": "correction",
            "outcome": "",
            "department": info.department,
            "procedure": info.code,
            "started_at": reviewed.isoformat(),
            "duration_s": round((answered - reviewed).total_seconds(), 3),
        }
        self.emit(
            chunk,
            "case.task_completed",
            f"case/{row.case_id}",
            answered + timedelta(milliseconds=5),
            data,
            row.classification,
        )
        return self.task(chunk, info, row, "review", answered, self.step_hours(info, "review") * 0.4, "approve")

    def extra_steps(self, chunk: Chunk, info: ProcedureInfo, row: CaseRow, at: datetime) -> datetime | None:
        steps = []
        if info.code in p.CONSULTATION:
            steps.append("consultation")
        if info.workflow == "application_with_inspection":
            steps.append("inspection")
        if info.workflow == "application_with_fee":
            steps.append("fee")
        for step in steps:
            done = self.task(chunk, info, row, step, at, self.step_hours(info, step))
            if done is None:
                return None
            at = done
        return at

    def approvals(self, chunk: Chunk, info: ProcedureInfo, row: CaseRow, at: datetime) -> datetime | None:
        route = p.approval_route(info.code, info.kind)
        started = at
        for level in route:
            factor = p.incident_factor(info.department, level, at.date(), self.fraction(at.date()))
            done = self.add_office_hours(at, self.lognormal(p.APPROVAL_HOURS[level], 0.9) * factor)
            proxy = self.rng.random() < 0.03
            data = {
                "level": level,
                "outcome": "approved",
                "proxy": proxy,
                "waited_s": round((done - at).total_seconds(), 3),
                "department": info.department,
                "procedure": info.code,
            }
            if not self.emit(chunk, "case.approval_step", f"case/{row.case_id}", done, data, row.classification):
                return None
            at = done
        if not route:
            return at
        data = {
            "task_id": str(self.uuid()),
            "task": "approval",
            "outcome": "approved",
            "department": info.department,
            "procedure": info.code,
            "started_at": started.isoformat(),
            "duration_s": round((at - started).total_seconds(), 3),
        }
        ok = self.emit(
            chunk,
            "case.task_completed",
            f"case/{row.case_id}",
            at + timedelta(milliseconds=5),
            data,
            row.classification,
        )
        return at if ok else None

    def close(self, chunk: Chunk, info: ProcedureInfo, row: CaseRow, at: datetime, outcome: str) -> None:
        kind = "case.withdrawn" if outcome == "withdrawn" else "case.decided"
        overdue = at.date() > row.due
        data = {"outcome": outcome, "department": info.department, "overdue": overdue}
        if not self.emit(chunk, kind, f"case/{row.case_id}", at, data, row.classification):
            return
        row.closed_at, row.outcome = at, outcome
        if outcome == "withdrawn":
            return
        document = {"approve": "decision_notice", "reject": "refusal_notice", "accept": "acceptance_notice"}[outcome]
        data = {
            "case": str(row.case_id),
            "kind": document,
            "outcome": outcome,
            "number": f"{at.year}-{info.department}-{self.rng.randrange(1, 99999):05d}",
            "sha256": f"{self.rng.getrandbits(256):064x}",
            "department": info.department,
        }
        self.emit(
            chunk, "document.issued", f"document/{self.uuid()}", at + timedelta(seconds=1), data, row.classification
        )
        if row.channel == "online" and self.rng.random() < p.RATING_RATE:
            self.rate(chunk, info, row, at, overdue)

    def rate(self, chunk: Chunk, info: ProcedureInfo, row: CaseRow, at: datetime, overdue: bool) -> None:
        weights = [3, 5, 14, 33, 45] if not overdue else [12, 18, 30, 25, 15]
        if row.outcome == "reject":
            weights = [25, 25, 25, 15, 10]
        score = self.rng.choices([1, 2, 3, 4, 5], weights)[0]
        rated = at + timedelta(hours=self.lognormal(20, 1.0))
        data = {"score": score, "procedure": info.code, "department": info.department}
        self.emit(chunk, "service.rated", f"application/{row.application_id}", rated, data, row.classification)


def data_channel(online: bool) -> str:
    return "online" if online else "counter"
