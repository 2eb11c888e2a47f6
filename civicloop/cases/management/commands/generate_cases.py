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

import multiprocessing
import random
from collections import deque
from collections.abc import Iterator
from time import monotonic
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from civicloop.accounts.models import Department, User
from civicloop.applications.models import Application, StatusChange
from civicloop.cases.management.bulk_copy import defer_checks, next_id, optional, table
from civicloop.cases.management.case_plan import CHUNK, Ids, Proc, ensure_staff, load_procs
from civicloop.cases.management.case_rows import Generator
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.core.models import Event

BIG_TABLES: list[type[models.Model]] = [User, Application, StatusChange, Case, CorrectionRequest, Event]

_generator: Generator | None = None  # handed to forked worker processes


def _run_job(job: tuple[str, int, int]) -> tuple[int, dict[str, str]]:
    assert _generator is not None
    return _generator.job(job)


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
