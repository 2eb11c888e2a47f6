# SPDX-License-Identifier: MPL-2.0
"""`manage.py generate_history`: a realistic demo past for the dashboards (events and rollups)."""

import secrets
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from civicloop.analytics.history.cast import ensure_clerks
from civicloop.analytics.history.simulate import JST, Chunk, Simulator
from civicloop.analytics.history.writer import Writer
from civicloop.analytics.models import GeneratedHistory
from civicloop.analytics.procedures import all_procedures, reset_cache

# Above this many applications, case rows are left out unless --rows: events only (docs/dashboards.md).
ROWS_LIMIT = 100_000
CALIBRATION_SCALE = 0.01


class Command(BaseCommand):
    help = (
        "Generate a realistic history of events (seasonal peaks, weekday and hour patterns, bottlenecks, "
        "overdue runs) and count it into the rollups. Demo and benchmark data only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=float, default=2.0, help="How far back the history starts (default 2).")
        parser.add_argument("--scale", type=float, default=1.0, help="Volume: 1.0 ≈ a ward of 230,000 residents.")
        parser.add_argument("--events", type=int, help="Aim for about this many events (sets --scale).")
        parser.add_argument(
            "--seed", type=int, help="Random seed; the same seed, dates and staff give the same events."
        )
        parser.add_argument("--end", help="The history ends at this date (YYYY-MM-DD, end of day); default: now.")
        parser.add_argument("--rows", dest="rows", action="store_true", default=None, help="Always create case rows.")
        parser.add_argument("--no-rows", dest="rows", action="store_false", help="Events only, no case rows.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if a history was generated already.")
        parser.add_argument("--flush-events", type=int, default=50_000, help="Events per transaction.")
        parser.add_argument(
            "--skip-rollups",
            action="store_true",
            help="Write events only; count them later with rebuild_rollups (or let the relay deliver them).",
        )
        parser.add_argument("--force", action="store_true", help="Run even with the demo off (benchmark databases).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO_ENABLED or options["force"]):
            raise CommandError("generate_history writes fictional data: run it with the demo on, or --force.")
        if options["if_empty"] and GeneratedHistory.objects.exists():
            self.stdout.write("A history was generated already; nothing to do (--if-empty).")
            return
        now = self._end(options["end"])
        if options["years"] <= 0 or options["scale"] <= 0:
            raise CommandError("--years and --scale must be positive.")
        reset_cache()
        procedures = all_procedures()
        if not procedures:
            raise CommandError("The catalogue is empty: run `manage.py load_catalog` first.")
        start = (now - timedelta(days=round(365.25 * options["years"]))).date()
        seed = options["seed"] if options["seed"] is not None else secrets.randbits(32)
        clerks = ensure_clerks(procedures)
        scale = options["scale"]
        if options["events"]:
            scale = self._calibrate(procedures, clerks, start, now, seed, options["events"])
        self._generate(procedures, clerks, start, now, seed, scale, options)

    def _end(self, value: str | None) -> datetime:
        if not value:
            return timezone.now().astimezone(JST)
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--end {value!r} is not a date (YYYY-MM-DD)") from None
        return datetime.combine(day, datetime.max.time(), JST)

    def _calibrate(self, procedures: list, clerks: dict, start: date, now: datetime, seed: int, target: int) -> float:
        """Events grow in proportion to the scale: a quick run at a small scale tells the factor."""
        sample = Simulator(procedures, clerks, start=start, now=now, scale=CALIBRATION_SCALE, seed=seed + 1)
        produced = sum(len(chunk.events) for chunk in sample.run())
        if not produced:
            raise CommandError("The period is too short to produce any event.")
        return CALIBRATION_SCALE * target / produced

    def _generate(
        self, procedures: list, clerks: dict, start: date, now: datetime, seed: int, scale: float, options: dict
    ) -> None:
        simulator = Simulator(procedures, clerks, start=start, now=now, scale=scale, seed=seed)
        expected_applications = (
            sum(
                sum(simulator.expected(info, start + timedelta(days=d)))
                for info in procedures
                for d in range(0, simulator.span, 7)
            )
            * 7
        )
        with_rows = options["rows"] if options["rows"] is not None else expected_applications <= ROWS_LIMIT
        writer = Writer(with_rows=with_rows, count_rollups=not options["skip_rollups"])
        pending = Chunk()
        applications = 0
        began = time.monotonic()
        bar = tqdm(
            total=simulator.span + 1, unit="day", desc="history", mininterval=1.0, disable=options["verbosity"] == 0
        )
        for chunk in simulator.run():
            pending.events += chunk.events
            pending.cases += chunk.cases
            applications += chunk.applications
            if len(pending.events) >= options["flush_events"]:
                writer.flush(pending.events, pending.cases)
                pending = Chunk()
            if bar.update(1):  # True when the bar redrew: refresh the count only then
                bar.set_postfix(events=f"{writer.events + len(pending.events):,}", refresh=False)
        writer.flush(pending.events, pending.cases)
        bar.close()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics after a bulk load, or plans go astray
                cursor.execute("ANALYZE core_event")
        seconds = time.monotonic() - began
        GeneratedHistory.objects.create(
            seed=seed, start=start, end=now.date(), events=writer.events, applications=applications, with_rows=with_rows
        )
        self.stdout.write(
            f"{writer.events:,} events ({applications:,} applications, {writer.case_rows:,} case rows) "
            f"from {start} to {now.date()}, seed {seed}, scale {scale:.3f}, in {seconds:.1f} s "
            f"({writer.events / max(seconds, 1e-9):,.0f} events/s)"
        )
