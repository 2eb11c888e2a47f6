# SPDX-License-Identifier: MPL-2.0
"""The rows of `manage.py generate_cases` as COPY text: residents, applications, cases and their history.

Pure: no database, so chunks are built in worker processes.
"""

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application, StatusChange
from civicloop.cases.management.bulk_copy import CopyTable, escape, optional
from civicloop.cases.management.case_plan import (
    CORRECTION_REASONS,
    MAX_EVENTS_PER_CASE,
    OPEN_SHARE,
    REFUSALS,
    TIER_WEIGHTS,
    TIERS,
    VOLUME,
    Ids,
    Proc,
)
from civicloop.cases.management.sample_data import FAMILY, GIVEN, TOWNS, Person
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.core.calendar import due_date
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.identifiers import ALPHABET
from civicloop.core.models import Event


@lru_cache(maxsize=200_000)
def cached_due_date(arrival: date, days: int, day_kind: str) -> date:
    return due_date(arrival, days, day_kind)


def receipt_number(year: int, serial: int) -> str:
    """A unique 受付番号 in the product's format, scrambled from the row id (a bijection on 40 bits)."""
    x = (serial * 0x9E3779B97F4A7C15 + 0x5BD1E995) & (2**40 - 1)
    x ^= x >> 19
    body = "".join(ALPHABET[(x >> (5 * i)) & 31] for i in range(8))
    return f"{year}-{body[:4]}-{body[4:]}"


EPOCH = date(1970, 1, 1)
NAME_JSON = [
    escape(json.dumps({"family": f, "given": g, "family_kana": fk, "given_kana": gk}, ensure_ascii=False))
    for f, fk in FAMILY
    for g, gk in GIVEN
]
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def fast_uuid(bits: int) -> str:
    """A version-4 UUID as text from 128 random bits (uuid.UUID is several times slower)."""
    h = f"{(bits & _UUID_CLEAR) | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Clock:
    """Moments as integer seconds since the epoch, written as COPY text with each day formatted once."""

    def __init__(self, now: datetime) -> None:
        self.now = int(now.timestamp())
        offset = timezone.localtime(now).utcoffset()
        self.offset = int(offset.total_seconds()) if offset else 0
        self.days: dict[int, str] = {}

    def text(self, moment: int) -> str:
        day, rest = divmod(moment, 86400)
        name = self.days.get(day)
        if name is None:
            name = self.days[day] = (EPOCH + timedelta(days=day)).isoformat()
        return f"{name} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}+00"

    def local_date(self, moment: int) -> date:
        return EPOCH + timedelta(days=(moment + self.offset) // 86400)


@dataclass
class Drawn:
    """One case as drawn, before it becomes rows."""

    proc: Proc
    app_id: int
    case_id: int
    tier: str
    arrived: int
    due: date
    status: str
    outcome: str
    assignee: int | None
    claimed: int | None
    closed: int | None
    app_status: str
    reason: str


class Generator:
    """Builds the COPY text of each chunk. Pure: no database, so chunks run in worker processes.

    A chunk's rows depend only on the seed and the chunk's position in the run, so a run is
    reproducible and chunks can be built in any order.
    """

    def __init__(
        self, *, procs: list[Proc], staff: dict[int, dict[str, list[int]]], seed: int, years: float, ids: Ids,
        residents: int, history: bool,
    ) -> None:  # fmt: skip
        self.procs, self.staff, self.seed, self.ids = procs, staff, seed, ids
        self.residents_total, self.history = residents, history
        self.weights = [VOLUME.get(p.code, 1.0) for p in procs]
        self.clock = Clock(timezone.now())
        self.span_s = int(years * 365 * 86400)
        self.source = f"urn:lg:{settings.LG_CODE}"
        self.case_extra = optional(Case, ["workflow", "step", "step_started_at"])
        self.event_extra = optional(Event, ["position"]) if ids.position is not None else []
        now = timezone.now()
        self.tables = {
            "user": CopyTable(
                User,
                ["id", "password", "username", "email", "date_joined", "public_id", "kind", "full_name",
                 "full_name_kana", "birthdate", "address"],
                now,
            ),
            "application": CopyTable(
                Application,
                ["id", "public_id", "receipt_number", "procedure_version_id", "applicant_id", "guest_key",
                 "guest_email", "status", "answers", "last_step", "channel", "classification", "created_at",
                 "updated_at", "submitted_at"],
                now,
            ),
            "case": CopyTable(
                Case,
                ["id", "public_id", "application_id", "department_id", "status", "assignee_id",
                 "decision_reason", "closed_at", "arrived_at", "due_date", "classification", *self.case_extra],
                now,
            ),
            "correction": CopyTable(
                CorrectionRequest, ["case_id", "fields", "attachments", "reason", "requested_by_id", "requested_at"], now
            ),
            "status": CopyTable(StatusChange, ["application_id", "status", "note_ja", "note_en", "at"], now),
            "event": CopyTable(
                Event,
                ["id", "source", "type", "subject", "time", "data", "classification", "relayed_at", *self.event_extra],
                now,
            ),
        }  # fmt: skip
        self.password = make_password(None)  # unusable: generated residents never sign in with a password

    def job(self, job: tuple[str, int, int]) -> tuple[int, dict[str, str]]:
        kind, start, count = job
        return count, (self.residents(start, count) if kind == "residents" else self.cases(start, count))

    def residents(self, start: int, count: int) -> dict[str, str]:
        rng = random.Random(f"{self.seed}-residents-{start}")
        table, lines = self.tables["user"], []
        for pk in range(self.ids.resident + start, self.ids.resident + start + count):
            person = Person.draw(rng)
            town, _postal = rng.choice(TOWNS)
            joined = self.clock.now - self.span_s - rng.randrange(86400 * 365)
            lines.append(
                table.line(
                    [str(pk), self.password, f"gen-resident-{pk}", f"r{pk}@example.jp", self.clock.text(joined),
                     fast_uuid(rng.getrandbits(128)), User.Kind.RESIDENT.value, f"{person.family} {person.given}",
                     f"{person.family_kana} {person.given_kana}", person.birthdate.isoformat(),
                     f"東京都渋谷区{town}{rng.randint(1, 5)}-{rng.randint(1, 30)}"]
                )
            )  # fmt: skip
        return {"user": "".join(lines)}

    def cases(self, start: int, count: int) -> dict[str, str]:
        """Cases number `start` to `start + count - 1` of this run, with everything that hangs on them."""
        rng = random.Random(f"{self.seed}-cases-{start}")
        out: dict[str, list[str]] = {name: [] for name in ("application", "case", "correction", "status", "event")}
        position = None if self.ids.position is None else self.ids.position + start * MAX_EVENTS_PER_CASE
        for offset, proc in enumerate(rng.choices(self.procs, weights=self.weights, k=count)):
            case = self.draw(rng, proc, self.ids.application + start + offset, self.ids.case + start + offset)
            app_uuid, case_uuid = fast_uuid(rng.getrandbits(128)), fast_uuid(rng.getrandbits(128))
            out["application"].append(self.application_line(rng, case, app_uuid))
            out["case"].append(self.case_line(rng, case, case_uuid))
            if case.status == Case.Status.CORRECTION and case.claimed is not None:
                out["correction"].append(
                    self.tables["correction"].line(
                        [str(case.case_id), proc.first_fields_json, "[]", rng.choice(CORRECTION_REASONS),
                         str(case.assignee), self.clock.text(case.claimed + 1800)]
                    )
                )  # fmt: skip
            if self.history:
                position = self.history_lines(rng, case, app_uuid, case_uuid, out, position)
        return {name: "".join(lines) for name, lines in out.items()}

    def draw(self, rng: random.Random, proc: Proc, app_id: int, case_id: int) -> Drawn:
        clock = self.clock
        # Arrivals between 9:00 and 23:59 local time on any day of the span.
        day = (clock.now - rng.randrange(self.span_s) + clock.offset) // 86400
        arrived = min(day * 86400 - clock.offset + rng.randrange(9 * 3600, 86400), clock.now - 3600)
        tier = rng.choices(TIERS, weights=TIER_WEIGHTS)[0].value
        due = cached_due_date(clock.local_date(arrived), proc.days, proc.day_kind)
        period = (due - clock.local_date(arrived)).days
        status, outcome = self.draw_status(rng, (clock.now - arrived) // 86400, period)
        assignee = rng.choice(self.staff[proc.department_id][tier]) if status != Case.Status.NEW else None
        claimed = min(arrived + rng.randint(600, 86400 * 3), clock.now - 60) if assignee else None
        closed = None
        if status == Case.Status.CLOSED:
            closed = min(arrived + rng.randint(3600, int(max(1, period) * 86400 * 1.15)), clock.now - 300)
            claimed = min(claimed or arrived, closed)
        return Drawn(
            proc, app_id, case_id, tier, arrived, due, status, outcome, assignee, claimed, closed,
            self.app_status(proc, status, outcome), rng.choice(REFUSALS) if outcome == "rejected" else "",
        )  # fmt: skip

    def application_line(self, rng: random.Random, case: Drawn, public_id: str) -> str:
        proc, text = case.proc, self.clock.text
        guest = proc.allows_guest and rng.random() < 0.2
        answers = rng.choice(proc.pool_json)
        if proc.name_key:
            answers = answers.replace(proc.name_slot, rng.choice(NAME_JSON))
        applicant = r"\N" if guest else str(self.ids.resident + rng.randrange(self.residents_total))
        return self.tables["application"].line(
            [str(case.app_id), public_id, receipt_number(self.clock.local_date(case.arrived).year, case.app_id),
             str(proc.version_id), applicant, f"{rng.getrandbits(128):032x}" if guest else "",
             f"guest{case.app_id}@example.jp" if guest else "", case.app_status, answers, "", "online", case.tier,
             text(case.arrived), text(case.closed or case.claimed or case.arrived), text(case.arrived)]
        )  # fmt: skip

    def case_line(self, rng: random.Random, case: Drawn, public_id: str) -> str:
        text = self.clock.text
        return self.tables["case"].line(
            [str(case.case_id), public_id, str(case.app_id), str(case.proc.department_id), case.status,
             r"\N" if case.assignee is None else str(case.assignee), case.reason,
             r"\N" if case.closed is None else text(case.closed), text(case.arrived), case.due.isoformat(),
             case.tier, *self.workflow_columns(rng, case)]
        )  # fmt: skip

    def history_lines(
        self, rng: random.Random, case: Drawn, app_uuid: str, case_uuid: str, out: dict[str, list[str]],
        position: int | None,
    ) -> int | None:  # fmt: skip
        """The resident's status history and the outbox events the case's life so far left behind."""
        steps = [("application.submitted", Application.Status.SUBMITTED.value, case.arrived)]
        steps.append(("case.opened", "", case.arrived))
        if case.claimed is not None:
            steps.append(("case.claimed", Application.Status.IN_REVIEW.value, case.claimed))
            if case.status == Case.Status.CORRECTION:
                steps.append(("case.correction_requested", case.app_status, case.claimed + 1800))
        if case.closed is not None:
            steps.append(
                ("case.withdrawn" if case.outcome == "withdrawn" else "case.decided", case.app_status, case.closed)
            )
        text, events, statuses = self.clock.text, self.tables["event"], self.tables["status"]
        for event_type, history_status, at in steps:
            subject = f"application/{app_uuid}" if event_type == "application.submitted" else f"case/{case_uuid}"
            data = case.proc.event_data[case.outcome if at == case.closed else ""]
            extra = [] if position is None else [str(position)]
            position = None if position is None else position + 1
            out["event"].append(
                events.line(
                    [fast_uuid(rng.getrandbits(128)), self.source, TYPE_PREFIX + event_type, subject, text(at), data,
                     case.tier, text(at + 2), *extra]
                )
            )  # fmt: skip
            if history_status:
                note = case.reason if history_status == Application.Status.REJECTED else ""
                out["status"].append(statuses.line([str(case.app_id), history_status, note, note, text(at)]))
        return position

    def workflow_columns(self, rng: random.Random, case: Drawn) -> list[str]:
        """`workflow`, `step` and `step_started_at`, for as many of them as the Case model has."""
        first: dict[str, str] = {Case.Status.NEW.value: "intake", Case.Status.CORRECTION.value: "correction"}
        step = first.get(case.status, "")
        if case.status == Case.Status.IN_REVIEW:
            step = rng.choice(case.proc.open_steps)
        since = case.claimed or case.arrived
        values = {
            "workflow": case.proc.workflow,
            "step": step,
            "step_started_at": self.clock.text(since) if step else r"\N",
        }
        return [values[name] for name in self.case_extra]

    @staticmethod
    def draw_status(rng: random.Random, age_days: int, period_days: int) -> tuple[str, str]:
        """A case's status from its age against its processing period (in calendar days)."""
        periods = age_days / max(1, period_days)
        if rng.random() < next(share for limit, share in OPEN_SHARE if periods < limit):
            roll = rng.random()
            if periods < 0.3 and roll < 0.5:
                return Case.Status.NEW.value, ""
            return (Case.Status.CORRECTION.value if roll > 0.9 else Case.Status.IN_REVIEW.value), ""
        outcome = rng.choices(["approved", "rejected", "withdrawn"], weights=[92, 5, 3])[0]
        return Case.Status.CLOSED.value, outcome

    @staticmethod
    def app_status(proc: Proc, status: str, outcome: str) -> str:
        if status == Case.Status.NEW:
            return Application.Status.SUBMITTED.value
        if status == Case.Status.IN_REVIEW:
            return Application.Status.IN_REVIEW.value
        if status == Case.Status.CORRECTION:
            return Application.Status.CORRECTION_REQUESTED.value
        if outcome == "approved" and proc.is_notification:
            return Application.Status.COMPLETED.value  # a 届出 is complete on arrival (行政手続法37条)
        decided = {"approved": Application.Status.APPROVED, "rejected": Application.Status.REJECTED}
        return decided.get(outcome, Application.Status.WITHDRAWN).value
