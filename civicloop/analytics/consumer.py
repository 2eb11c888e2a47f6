# SPDX-License-Identifier: MPL-2.0
"""The rollup consumer: the relay hands it ordered batches of events, at least once.

`apply(events)` runs in the relay's transaction (the one that moves the relay's checkpoint), so
the counts and the checkpoint commit together. Each counted event's id goes into
`AppliedEvent` in that same transaction; a redelivered event finds its id there and is skipped,
so it never counts twice. A batch loads the facts of the cases and drafts it touches, counts in
memory (`analytics.counting`) and writes each table with one upsert (analytics.store), never one
query per event.

`analytics.rebuild.rebuild()` truncates the rollups and counts the whole event table again:
what needs no memory of earlier events, and the drafts, in SQL (`analytics.setbased`); the rest
through the same handlers (`count_all`). Tests hold both ways to the same rollups.
"""

import gc
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from django.db import connection, transaction

from civicloop.analytics import store
from civicloop.analytics.counting import COUNTED, CaseState, DraftState, Item, Tally, item_from_event, subject_key
from civicloop.analytics.models import CaseFact, DraftFact
from civicloop.core.models import Event


def apply(events: Sequence[Event]) -> int:
    """Count a batch of events into the rollups; returns how many were new (not redeliveries).

    Call it inside the relay's transaction; it opens a savepoint-free atomic block of its own when
    called alone. Events of types the rollups do not use are ignored.
    """
    return apply_items([item_from_event(e) for e in events])


def apply_items(items: Iterable[Item]) -> int:
    relevant: dict[UUID, Item] = {}
    for item in items:
        if item.type in COUNTED and item.id not in relevant:
            relevant[item.id] = item
    if not relevant:
        return 0
    with transaction.atomic(savepoint=False):
        store.lock_rollups()
        fresh = store.claim_event_ids(list(relevant))
        batch = [item for item in relevant.values() if item.id in fresh]
        if batch:
            _Batch(batch).run()
    return len(batch)


def count_all(chunks: Iterable[list[Item]], progress: Callable[[int], None] | None = None) -> None:
    """Count events already recorded as applied into emptied rollups (a rebuild: it claims every id in SQL).

    One tally for the whole run: every fact stays in memory (none is in the tables to load: the
    rebuild emptied them) and each table is written once at the end, instead of loading and
    rewriting the facts of every batch. Memory grows with the number of cases and drafts.

    The cyclic garbage collector is off meanwhile: the tally's millions of objects form no cycles,
    and the collector walked them again and again (measured: reading and counting 1.5 M events
    took 89 s with it, 33 s without).
    """
    tally = Tally()
    collecting = gc.isenabled()
    gc.disable()
    try:
        for items in chunks:
            tally.count_items(items)
            if progress is not None:
                progress(len(items))
    finally:
        if collecting:
            gc.enable()
    tally.write(rebuild=True)


class _Batch(Tally):
    """One delivered batch: the facts it needs are loaded first, the tables written once after."""

    def __init__(self, items: list[Item]) -> None:
        super().__init__()
        self.items = items

    def run(self) -> None:
        self.load()
        self.count_items(self.items)
        self.write()

    # -- loading what earlier batches remembered ---------------------------------------------
    def load(self) -> None:
        case_ids: set[str] = set()
        application_ids: set[str] = set()
        for item in self.items:
            if item.type.startswith("case."):
                if (case_id := subject_key(item.subject)) is not None:
                    case_ids.add(case_id)
            elif item.type == "document.issued" and (case_id := subject_key(item.data.get("case"))) is not None:
                case_ids.add(case_id)
            elif item.type.startswith("application.") and (application_id := subject_key(item.subject)) is not None:
                application_ids.add(application_id)
        self._load_cases(case_ids, application_ids)
        self._load_drafts(application_ids)

    def _load_cases(self, case_ids: set[str], application_ids: set[str]) -> None:
        fields = [f for f, _ in store.CASE_FACT_COLUMNS]
        if connection.vendor == "postgresql":
            sql = f"SELECT {', '.join(fields)} FROM analytics_casefact WHERE "  # noqa: S608 - constant names
            for column, ids in (("case_id", case_ids), ("application_id", application_ids)):
                for row in store.select_rows(sql + f"{column} = ANY(%ids)", list(ids)) if ids else []:
                    self.remember_case(CaseState(str(row[0]), _text(row[1]), *row[2:]))
            return
        for chunk in _chunks(list(case_ids)):
            for row in CaseFact.objects.filter(case_id__in=chunk).values_list(*fields):
                self.remember_case(CaseState(str(row[0]), _text(row[1]), *row[2:]))
        for chunk in _chunks(list(application_ids)):
            for row in CaseFact.objects.filter(application_id__in=chunk).values_list(*fields):
                self.remember_case(CaseState(str(row[0]), _text(row[1]), *row[2:]))

    def _remember_case(self, state: CaseState) -> None:
        self.cases[state.case_id] = state
        if state.application_id is not None:
            self.case_by_application[state.application_id] = state.case_id

    def _load_drafts(self, application_ids: set[str]) -> None:
        fields = [f for f, _ in store.DRAFT_FACT_COLUMNS]
        if connection.vendor == "postgresql":
            sql = f"SELECT {', '.join(fields)} FROM analytics_draftfact WHERE application_id = ANY(%ids)"  # noqa: S608
            rows: Iterable[Any] = store.select_rows(sql, list(application_ids)) if application_ids else []
        else:
            rows = (
                row
                for chunk in _chunks(list(application_ids))
                for row in DraftFact.objects.filter(application_id__in=chunk).values_list(*fields)
            )
        for row in rows:
            app_id, procedure, department, cls, month, steps, submitted = row
            self.drafts[str(app_id)] = DraftState(
                str(app_id), procedure, department, cls, month, steps.split() if steps else [], submitted
            )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _chunks(values: list[str], size: int = 900) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
