# SPDX-License-Identifier: MPL-2.0
"""Write the simulated history: events (COPY on PostgreSQL), rollups, and optionally case rows
(applications with answers their form accepts, cases, 補正 requests).

Each flush is one transaction: the events, the rollups they cause and the Application/Case rows
behind them commit together, so an interrupted run leaves whole days, never half a case.
"""

import copy
import json
import random
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid5

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civicloop.accounts.models import Department, User
from civicloop.analytics.consumer import apply_items
from civicloop.analytics.counting import Item
from civicloop.analytics.history.simulate import CaseRow, Ev
from civicloop.applications.models import Application
from civicloop.cases import workflow
from civicloop.cases.management.sample_data import answer_pool
from civicloop.cases.models import Case
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.catalog.models import Procedure
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event

# Generated answers per procedure: enough that neighbouring cases differ, few enough to draw in a second.
ANSWERS_PER_PROCEDURE = 12
APPLICATION_STATUS = {
    "approve": Application.Status.APPROVED,
    "reject": Application.Status.REJECTED,
    "accept": Application.Status.COMPLETED,
    "withdrawn": Application.Status.WITHDRAWN,
}


def demo_answers(code: str, definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Answers that the procedure's form accepts (its JSON Schema), with plausible names, addresses
    and dates, for the applications behind generated cases: their pages show what was applied for.

    A few per procedure, drawn from a generator seeded by the procedure's code (the same every run)
    and checked against the form (cases.management.sample_data, as `generate_cases` does).
    """
    form = Definition(definition)
    pool, _refused = answer_pool(
        form, random.Random(f"demo-answers:{code}"), timezone.localdate(), ANSWERS_PER_PROCEDURE
    )
    return [answers for answers in pool if not validate(form.schema, answers)]


class Writer:
    def __init__(self, *, with_rows: bool, count_rollups: bool = True) -> None:
        self.with_rows = with_rows
        self.count_rollups = count_rollups
        self.source = f"urn:lg:{settings.LG_CODE}"
        self.events = 0
        self.case_rows = 0
        if with_rows:
            current = {
                p.code: p.current_version
                for p in Procedure.objects.select_related("current_version")
                if p.current_version is not None
            }
            self.versions: dict[str, int] = {code: version.pk for code, version in current.items()}
            self.answers = {code: demo_answers(code, version.definition) for code, version in current.items()}
            self.workflows = {code: str(version.definition["workflow"]) for code, version in current.items()}
            self.positions: dict[tuple[str, bool], tuple[str, bytes]] = {}
            self.departments = dict(Department.objects.values_list("code", "pk"))
            self.users = {
                str(pid): pk for pid, pk in User.objects.filter(kind=User.Kind.STAFF).values_list("public_id", "pk")
            }

    def flush(self, events: Sequence[Ev], cases: Sequence[CaseRow]) -> None:
        if not events:
            return
        with transaction.atomic():
            self._insert_events(events)
            if self.count_rollups:
                apply_items([Item(ev[5], ev[0], ev[1], ev[2], ev[3], ev[4]) for ev in events])
            if self.with_rows and cases:
                self._insert_cases(cases)
        self.events += len(events)

    def _insert_events(self, events: Sequence[Ev]) -> None:
        table = Event._meta.db_table
        columns = "id, source, type, subject, time, data, classification"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for kind, subject, at, data, cls, event_id in events:
                        copy.write_row(
                            (
                                event_id,
                                self.source,
                                TYPE_PREFIX + kind,
                                subject,
                                at,
                                json.dumps(data, ensure_ascii=False),
                                cls,
                            )
                        )
                return
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608 - model's table
                [
                    (
                        event_id.hex,
                        self.source,
                        TYPE_PREFIX + kind,
                        subject,
                        adapt(at),
                        json.dumps(data, ensure_ascii=False),
                        cls,
                    )
                    for kind, subject, at, data, cls, event_id in events
                ],
            )

    def _insert_cases(self, rows: Sequence[CaseRow]) -> None:
        applications = Application.objects.bulk_create(
            [
                Application(
                    public_id=row.application_id,
                    receipt_number=row.receipt_number,
                    procedure_version_id=self.versions[row.procedure],
                    status=self._application_status(row),
                    channel=row.channel,
                    classification=row.classification,
                    submitted_at=row.submitted_at,
                    answers=self._answers_for(row),
                )
                for row in rows
                if row.procedure in self.versions
            ]
        )
        by_public_id = {a.public_id: a.pk for a in applications}
        cases = Case.objects.bulk_create(
            [
                Case(
                    public_id=row.case_id,
                    application_id=by_public_id[row.application_id],
                    department_id=self.departments[row.department],
                    status=self._case_status(row),
                    assignee_id=self.users.get(row.assignee),
                    closed_at=row.closed_at,
                    arrived_at=row.submitted_at,
                    due_date=row.due,
                    classification=row.classification,
                    **self._process_fields(row),
                )
                for row in rows
                if row.application_id in by_public_id
            ]
        )
        self.case_rows += len(cases)
        self._insert_corrections(rows, {c.public_id: c.pk for c in cases})

    def _insert_corrections(self, rows: Sequence[CaseRow], case_pks: dict[Any, int]) -> None:
        """補正 requests with their real times (the model's auto_now_add would stamp today)."""
        values = []
        adapt = connection.ops.adapt_datetimefield_value
        for row in rows:
            clerk = self.users.get(row.assignee)
            if row.case_id not in case_pks or clerk is None:
                continue
            for requested, resolved, fields in row.corrections:
                # A public id derived from the case and the time, so the same seed gives the same rows.
                public_id = uuid5(UUID(str(row.case_id)), requested.isoformat())
                values.append(
                    (
                        case_pks[row.case_id],
                        json.dumps(fields),
                        "[]",
                        "demo",
                        clerk,
                        adapt(requested),
                        adapt(resolved),
                        0,
                        public_id.hex if connection.vendor == "sqlite" else str(public_id),
                        row.classification,
                        "{}",  # no answers before/after: empty in clear at every tier (nothing to seal)
                        "{}",
                    )
                )
        if values:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO cases_correctionrequest (case_id, fields, attachments, reason, requested_by_id, "
                    "requested_at, resolved_at, paused_business_days, public_id, classification, answers_before, "
                    "answers_after) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    values,
                )

    def _answers_for(self, row: CaseRow) -> dict[str, Any]:
        """One of the procedure's generated answers, the same one for the same application id."""
        pool = self.answers[row.procedure]
        return copy.deepcopy(pool[row.application_id.int % len(pool)]) if pool else {}

    def _process_fields(self, row: CaseRow) -> dict[str, Any]:
        """The case's process, the step it waits on, and for a claimed open case its instance there.

        A case that waits past its first step needs an instance that waits there too, or its next
        step cannot be taken (cases.actions._shared.advance would start a new one at 受付). A case
        not yet claimed opens as a submission's does: at the first step, started by the relay.
        """
        name = self.workflows[row.procedure]
        fields: dict[str, Any] = {"workflow": name, "step": ""}
        if row.closed_at is not None:
            return fields
        if not row.assignee:
            return fields | {"step": workflow.first_tasks(name)[0]}
        pending_correction = bool(row.corrections) and row.corrections[-1][1] is None
        step, state = self._position(name, pending_correction)
        return fields | {"step": step, "workflow_state": state}

    def _position(self, name: str, pending_correction: bool) -> tuple[str, bytes]:
        """Claimed (受付 done), and when a 補正 is pending, 審査 done asking for it: one instance per path."""
        key = (name, pending_correction)
        if key not in self.positions:
            process = workflow.start(name, {})
            waiting = workflow.complete(process, "intake")
            if pending_correction:
                if waiting == ["inspection"]:  # application_with_inspection: 現地調査 comes before 審査
                    waiting = workflow.complete(process, "inspection")
                waiting = workflow.complete(process, "review", route="correction")
            self.positions[key] = (waiting[0], workflow.dump(process))
        return self.positions[key]

    @staticmethod
    def _application_status(row: CaseRow) -> str:
        if row.closed_at is not None:
            return APPLICATION_STATUS[row.outcome]
        if row.corrections and row.corrections[-1][1] is None:
            return Application.Status.CORRECTION_REQUESTED
        return Application.Status.IN_REVIEW if row.assignee else Application.Status.SUBMITTED

    @staticmethod
    def _case_status(row: CaseRow) -> str:
        if row.closed_at is not None:
            return Case.Status.CLOSED
        if row.corrections and row.corrections[-1][1] is None:
            return Case.Status.CORRECTION
        return Case.Status.IN_REVIEW if row.assignee else Case.Status.NEW
