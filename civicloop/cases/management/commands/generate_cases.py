# SPDX-License-Identifier: MPL-2.0
"""`manage.py generate_cases --cases N`: a realistic back office at scale, for benchmarks (PostgreSQL).

Writes residents, staff of each department (with positions and clearances), submitted
applications whose answers fit each procedure's form, their cases (status, due date, assignee,
classification 80/15/5), open 補正 requests, the residents' status history and the outbox events
a real run would have left — all in one transaction, so a failure leaves nothing behind.

The big tables go through PostgreSQL COPY (psycopg 3). Columns are read from each model's
`_meta`: the generator fills the columns it knows, and every other concrete column gets its
field's default, so a nullable or defaulted column added to a model later needs no change here.
"""

import json
import multiprocessing
import random
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from time import monotonic
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from civicloop.accounts.models import Department, Position, User
from civicloop.applications.models import Application, StatusChange
from civicloop.cases.management.sample_data import FAMILY, GIVEN, TOWNS, Person, answer_pool
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import resolve
from civicloop.catalog.models import Procedure
from civicloop.core.calendar import due_date
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.identifiers import ALPHABET
from civicloop.core.models import Classification, Event

# Relative yearly volume of each procedure in a ward of ~230,000 (certificates and moves dominate;
# unknown procedures count 1). Only the shape matters: it decides how full each inbox is.
VOLUME = {
    "juminhyo": 30, "sodai-gomi": 16, "kazei-shomei": 12, "koseki-shomei": 10, "tennyu": 8,
    "tenshutsu": 7, "kokuho-ido": 8, "tenkyo": 5, "inkan-toroku": 4, "jido-teate": 3,
    "kodomo-iryohi": 3, "hoiku-moshikomi": 2, "doro-sonsho": 2, "ninshin": 1.5, "shussei": 1.5,
}  # fmt: skip
TIERS = [Classification.OFFICIAL, Classification.SECRET, Classification.TOP_SECRET]
TIER_WEIGHTS = [80, 15, 5]  # the seed's reference distribution (DOMAIN.md)
REFUSALS = ["要件を満たしていないため", "必要な書類が期限までに提出されなかったため", "対象期間外の申請のため"]
CORRECTION_REASONS = ["添付書類が不鮮明です。再度提出してください。", "記載内容に不足があります。ご確認ください。"]
# The share of cases still open by age, in multiples of the procedure's processing period: most
# finish within it, some run over, a few stragglers stay open for long (about a quarter of the open
# cases end up overdue, more for same-day certificates).
OPEN_SHARE = [(0.5, 0.9), (1.0, 0.6), (2.0, 0.15), (4.0, 0.03), (float("inf"), 0.0002)]
ANSWERS_PER_PROCEDURE = 48
CHUNK = 20_000
MAX_EVENTS_PER_CASE = 5  # submitted, opened, claimed, correction requested, closed


# --------------------------------------------------------------------------- COPY plumbing


def escape(text: str) -> str:
    """PostgreSQL COPY text format: backslash, tab and line breaks are escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_text(field: models.Field, value: Any) -> str:
    """One value as COPY text, the way the field would store it."""
    if value is None:
        return r"\N"
    if isinstance(field, models.JSONField):
        return escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\\\x" + bytes(value).hex()
    return escape(str(value))


class CopyTable:
    """One model's table as COPY sees it.

    The generator gives values for `given` (attnames, in that order, already as COPY text); every
    other concrete column gets the field's default (a callable default is called per row), NULL
    when nullable, or the database default (`db_default`). A column with none of these stops the
    run with its name rather than guessing.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], now: datetime) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if unknown := [name for name in given if name not in fields]:
            raise CommandError(f"{model.__name__} has no field {', '.join(unknown)}: generate_cases needs updating")
        self.dynamic: list[models.Field] = []
        constant: list[tuple[models.Field, str]] = []
        for field in model._meta.concrete_fields:
            if field.attname in given or getattr(field, "generated", False):
                continue
            if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
                continue  # the table's sequence numbers rows nothing else refers to
            if field.db_default is not models.NOT_PROVIDED:
                continue  # the database fills it
            if field.has_default() and callable(field.default):
                self.dynamic.append(field)
            else:
                constant.append((field, copy_text(field, self._default(model, field, now))))
        columns = [str(fields[name].column) for name in given] + [str(f.column) for f in self.dynamic]
        columns += [str(f.column) for f, _text in constant]
        self.suffix = "".join("\t" + text for _field, text in constant)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        self.sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"

    @staticmethod
    def _default(model: type[models.Model], field: models.Field, now: datetime) -> Any:
        if field.has_default():
            return field.get_default()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.null:
            return None
        value = field.get_default()  # "" for text fields, as the ORM would store
        if value is None:
            raise CommandError(
                f"{model.__name__}.{field.name} has no default and is NOT NULL: give it a default "
                "or teach generate_cases to fill it"
            )
        return value

    def line(self, values: list[str]) -> str:
        if self.dynamic:
            values = values + [copy_text(f, f.get_default()) for f in self.dynamic]
        return "\t".join(values) + self.suffix + "\n"


# --------------------------------------------------------------------------- the plan


@dataclass
class Proc:
    """What the generator needs of one published procedure."""

    code: str
    version_id: int
    department_id: int
    department_code: str
    days: int
    day_kind: str
    is_notification: bool
    allows_guest: bool
    workflow: str
    open_steps: list[str]  # user tasks an in-review case of this process may wait on
    name_key: str | None  # the top-level answer holding the applicant's name, if any
    name_slot: str  # where that name goes in each of pool_json
    pool_json: list[str]  # valid answers as COPY text
    first_fields_json: str  # what an open 補正 asks to correct
    event_data: dict[str, str]  # an event's data as COPY text, by the case's outcome ("" while open)


@dataclass(frozen=True)
class Ids:
    """Where this run's rows start: ids are taken as MAX(id) + 1 under a table lock."""

    resident: int
    application: int
    case: int
    position: int | None  # the relay's log position of the first generated event, if events have one


@lru_cache(maxsize=200_000)
def cached_due_date(arrival: date, days: int, day_kind: str) -> date:
    return due_date(arrival, days, day_kind)


def receipt_number(year: int, serial: int) -> str:
    """A unique 受付番号 in the product's format, scrambled from the row id (a bijection on 40 bits)."""
    x = (serial * 0x9E3779B97F4A7C15 + 0x5BD1E995) & (2**40 - 1)
    x ^= x >> 19
    body = "".join(ALPHABET[(x >> (5 * i)) & 31] for i in range(8))
    return f"{year}-{body[:4]}-{body[4:]}"


def optional(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The names among `names` that `model` has today (fields another change may add or drop)."""
    present = {f.attname for f in model._meta.concrete_fields}
    return [name for name in names if name in present]


EPOCH = date(1970, 1, 1)
NAME_SLOT = "\x00applicant\x00"  # stands for the applicant's name in a pre-serialised answer
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


_generator: Generator | None = None  # handed to forked worker processes


def _run_job(job: tuple[str, int, int]) -> tuple[int, dict[str, str]]:
    assert _generator is not None
    return _generator.job(job)


# --------------------------------------------------------------------------- catalogue and staff


def open_steps(workflow: str) -> list[str]:
    """User tasks an in-review case may wait on: those of its BPMN file between intake and the end."""
    try:
        from civicloop.cases.workflow import process_file

        text = process_file(workflow).path.read_text()
    except Exception:  # the workflow module is optional here: fall back to plain review
        return ["review"]
    tasks = set(re.findall(r'userTask id="([a-z_]+)"', text)) - {"intake", "correction"}
    # Review is where most open cases sit; the rest share what remains.
    return ["review"] * 4 + sorted(tasks - {"review"}) if tasks else ["review"]


def load_procs(codes: list[str] | None, rng: random.Random, today: date, log: Callable[[str], None]) -> list[Proc]:
    procedures = Procedure.objects.published().select_related("department", "current_version")
    if codes:
        procedures = procedures.filter(department__code__in=codes)
    procs = []
    for procedure in procedures:
        version = procedure.current_version
        assert version is not None  # published() guarantees it
        definition = Definition(version.definition)
        pool, refused = answer_pool(definition, rng, today, ANSWERS_PER_PROCEDURE)
        if len(pool) < ANSWERS_PER_PROCEDURE:
            log(f"  {procedure.code}: only {len(pool)} generated answers passed the form ({refused} refused)")
        props = definition.schema.get("properties", {})
        name_key = next(
            (
                k
                for k, v in props.items()
                if {"family", "given"} <= resolve(definition.schema, v).get("properties", {}).keys()
            ),
            None,
        )
        workflow = str(version.definition.get("workflow", ""))
        department = procedure.department.code
        procs.append(
            Proc(
                code=procedure.code,
                version_id=version.pk,
                department_id=procedure.department_id,
                department_code=department,
                days=int(version.definition["processing"]["days"]),
                day_kind=str(version.definition["processing"]["day_kind"]),
                is_notification=version.kind == version.Kind.NOTIFICATION,
                allows_guest=version.allows_guest,
                workflow=escape(workflow),
                open_steps=open_steps(workflow) if workflow else ["review"],
                name_key=name_key,
                name_slot=escape(json.dumps(NAME_SLOT)),
                pool_json=[
                    escape(json.dumps({**a, name_key: NAME_SLOT} if name_key else a, ensure_ascii=False)) for a in pool
                ],
                first_fields_json=escape(json.dumps(definition.steps[0].fields[:2] if definition.steps else [])),
                event_data={
                    outcome: escape(
                        json.dumps(
                            {
                                "department": department,
                                "procedure": procedure.code,
                                **({"outcome": outcome} if outcome else {}),
                            }
                        )
                    )
                    for outcome in ("", "approved", "rejected", "withdrawn")
                },
            )
        )
    return procs


def ensure_staff(procs: list[Proc], total_cases: int) -> dict[int, dict[str, list[int]]]:
    """Create the generated staff that are missing; return who may be assigned, per department and tier.

    Each department gets a 課長 (TOP SECRET clearance), two 係長 (SECRET) and clerks in proportion
    to its volume, a third of them cleared for SECRET. A case goes only to someone cleared for it.
    """
    volume: dict[int, float] = {}
    codes: dict[int, str] = {}
    for proc in procs:
        volume[proc.department_id] = volume.get(proc.department_id, 0) + VOLUME.get(proc.code, 1.0)
        codes[proc.department_id] = proc.department_code
    total = sum(volume.values())
    eligible: dict[int, dict[str, list[int]]] = {}
    for department_id, share in volume.items():
        clerks = max(4, min(60, round(3 + 400 * share / total * min(1.0, total_cases / 200_000))))
        cast = [(Position.KACHO, Classification.TOP_SECRET)] + [(Position.KAKARICHO, Classification.SECRET)] * 2
        cast += [
            (Position.CLERK, Classification.SECRET if i % 3 == 0 else Classification.OFFICIAL) for i in range(clerks)
        ]
        members = [
            staff_member(codes[department_id], department_id, number, position, clearance)
            for number, (position, clearance) in enumerate(cast, start=1)
        ]
        eligible[department_id] = {
            tier.value: [u.pk for u in members if TIERS.index(Classification(u.clearance)) >= TIERS.index(tier)]
            for tier in TIERS
        }
    return eligible


def staff_member(code: str, department_id: int, number: int, position: str, clearance: str) -> User:
    person = Person.draw(random.Random(f"{code}-{number}"))
    user, created = User.objects.get_or_create(
        username=f"gen-staff-{code}-{number:02d}",
        defaults={
            "kind": User.Kind.STAFF,
            "full_name": f"{person.family} {person.given}",
            "full_name_kana": f"{person.family_kana} {person.given_kana}",
            "email": f"{code}-{number:02d}@city.example.jp",
            "position": position,
            "clearance": clearance,
            "password": make_password(None),
        },
    )
    if created:
        user.departments.add(department_id)
    return user


# --------------------------------------------------------------------------- the database side

BIG_TABLES: list[type[models.Model]] = [User, Application, StatusChange, Case, CorrectionRequest, Event]


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def next_id(cursor: Any, model: type[models.Model], column: str = "id") -> int:
    cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) + 1 FROM {table(model)}")  # noqa: S608 - names from the model
    return int(cursor.fetchone()[0])


def defer_checks(cursor: Any, growing: list[type[models.Model]]) -> list[str]:
    """Drop what slows a bulk load on these tables; return the SQL that puts it all back, in order.

    PostgreSQL's advice for populating a database: build each index once over the loaded rows and
    check each foreign key with one join, instead of updating indexes and firing a trigger row by
    row. Dropped: plain indexes, unique constraints no foreign key rests on, and the tables' own
    foreign keys. Primary keys stay. Restored inside the same transaction, under the same names,
    so the schema Django's migrations expect is unchanged, and every row is checked all the same.
    """
    names = [model._meta.db_table for model in growing]
    cursor.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[]) AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
            SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
        """,
        [names],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [names],
    )
    indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for name, relation, _definition, _kind in constraints:
        cursor.execute(f"ALTER TABLE {relation} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    unique = [f"ALTER TABLE {rel} ADD CONSTRAINT {quote(n)} {d}" for n, rel, d, kind in constraints if kind == "u"]
    foreign = [f"ALTER TABLE {rel} ADD CONSTRAINT {quote(n)} {d}" for n, rel, d, kind in constraints if kind == "f"]
    return unique + [definition for _name, definition in indexes] + foreign


class Command(BaseCommand):
    help = "Generate N realistic submitted applications with their cases, staff and residents (PostgreSQL, COPY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="how many cases (and applications) to add")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same data")
        parser.add_argument("--departments", default="", help="comma-separated department codes (default: all)")
        parser.add_argument("--residents", type=int, default=0, help="residents to add (default: cases / 4)")
        parser.add_argument("--years", type=float, default=3.0, help="arrivals spread over this many years back")
        parser.add_argument("--jobs", type=int, default=1, help="worker processes building rows (0: in this one)")
        parser.add_argument("--no-history", action="store_true", help="skip status history and outbox events")
        parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM ANALYZE after loading")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("generate_cases writes with PostgreSQL COPY: set DATABASE_URL=postgres://…")
        cases: int = options["cases"]
        if cases < 1 or options["years"] <= 0 or options["jobs"] < 0 or options["residents"] < 0:
            raise CommandError("--cases must be at least 1, --years above 0, --jobs and --residents not negative")
        residents = options["residents"] or max(1, cases // 4)
        codes = [c.strip() for c in options["departments"].split(",") if c.strip()] or None
        known = set(Department.objects.filter(code__in=codes or []).values_list("code", flat=True))
        if codes and (unknown := sorted(set(codes) - known)):
            raise CommandError(f"unknown department codes: {', '.join(unknown)}")
        self.quiet = options["verbosity"] == 0
        procs = load_procs(codes, random.Random(options["seed"]), timezone.localdate(), self.log)
        if not procs:
            raise CommandError("no published procedures (for these departments): run `manage.py load_catalog` first")
        self.log(f"{len(procs)} procedures in {len({p.department_id for p in procs})} departments")
        started = monotonic()
        with transaction.atomic():
            staff = ensure_staff(procs, cases)
            self.write_all(procs, staff, options, cases, residents)
        self.log(f"committed {cases:,} cases and {residents:,} residents in {monotonic() - started:.0f} s")
        if not options["no_vacuum"]:
            with connection.cursor() as cursor:
                for model in BIG_TABLES:  # visibility map and planner statistics, as autovacuum would leave them
                    cursor.execute(f"VACUUM (ANALYZE) {table(model)}")

    def log(self, message: str) -> None:
        if not self.quiet:
            self.stdout.write(message)

    def write_all(
        self, procs: list[Proc], staff: dict[int, dict[str, list[int]]], options: dict[str, Any], cases: int,
        residents: int,
    ) -> None:  # fmt: skip
        global _generator
        with connection.cursor() as cursor:
            # Ids are MAX + 1: no other writer may insert into these tables until this transaction ends.
            cursor.execute(f"LOCK TABLE {', '.join(table(m) for m in BIG_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
            # Checks still deferred in this transaction (the staff just made, a caller's own rows) run now:
            # PostgreSQL refuses to alter a table that has some pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SELECT COUNT(*) FROM {table(Case)}")  # noqa: S608 - the model's table
            # Rebuilding pays off when the tables at least double; a small top-up updates them in place.
            restore = defer_checks(cursor, BIG_TABLES) if cursor.fetchone()[0] < cases else []
            has_position = not options["no_history"] and bool(optional(Event, ["position"]))
            ids = Ids(
                resident=next_id(cursor, User),
                application=next_id(cursor, Application),
                case=next_id(cursor, Case),
                position=next_id(cursor, Event, "position") if has_position else None,
            )
            generator = Generator(
                procs=procs, staff=staff, seed=options["seed"], years=options["years"], ids=ids, residents=residents,
                history=not options["no_history"],
            )  # fmt: skip
            jobs = [("residents", s, min(CHUNK, residents - s)) for s in range(0, residents, CHUNK)]
            jobs += [("cases", s, min(CHUNK, cases - s)) for s in range(0, cases, CHUNK)]
            _generator = generator
            try:
                self.run_jobs(cursor, generator, jobs, options["jobs"])
            finally:
                _generator = None
            if restore:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for sql in tqdm(restore, desc="indexes and keys", unit="step", disable=self.quiet):
                    cursor.execute(sql)
            for sql in connection.ops.sequence_reset_sql(no_style(), BIG_TABLES):
                cursor.execute(sql)

    def run_jobs(self, cursor: Any, generator: Generator, jobs: list[tuple[str, int, int]], processes: int) -> None:
        """Build chunks (in worker processes when asked) while this process feeds them to COPY in order."""
        order = ["user", "application", "case", "correction", "status", "event"]
        totals = {"residents": 0, "cases": 0}
        for kind, _start, count in jobs:
            totals[kind] += count
        bars = {kind: tqdm(total=n, desc=kind, unit="row", disable=self.quiet) for kind, n in totals.items()}
        pool = multiprocessing.get_context("fork").Pool(processes) if processes else None
        try:
            for (kind, _start, _count), (count, texts) in zip(jobs, self.results(pool, generator, jobs), strict=True):
                for name in order:
                    if texts.get(name):
                        with cursor.copy(generator.tables[name].sql) as copy:
                            copy.write(texts[name])
                bars[kind].update(count)
        finally:
            if pool:
                pool.terminate()
            for bar in bars.values():
                bar.close()

    @staticmethod
    def results(
        pool: Any, generator: Generator, jobs: list[tuple[str, int, int]]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """Each job's result in order, with at most a few built ahead (each chunk is tens of MB of text)."""
        if pool is None:
            yield from map(generator.job, jobs)
            return
        ahead = 2 * pool._processes
        pending: deque[Any] = deque(pool.apply_async(_run_job, (job,)) for job in jobs[:ahead])
        for job in jobs[ahead:]:
            yield pending.popleft().get()
            pending.append(pool.apply_async(_run_job, (job,)))
        while pending:
            yield pending.popleft().get()
