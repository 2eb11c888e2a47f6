# SPDX-License-Identifier: MPL-2.0
import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicloop.classification.policy import TIERS
from civicloop.classification.report import REFERENCE, TierCounts, build_report


class Command(BaseCommand):
    help = (
        "Counts and share of OFFICIAL / SECRET / TOP SECRET records, per kind, department and month, against 80/15/5."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--since", type=date.fromisoformat, help="Only records from this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = build_report(since=options["since"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write("reference: " + " / ".join(f"{t} {REFERENCE[t]:.0f}%" for t in TIERS))
        self._line("all records", report.total)
        for source, counts in report.by_kind:
            self._line(source.model, counts)
        self.stdout.write("by department:")
        for code, _name, counts in report.by_department:
            self._line(f"  {code}", counts)
        self.stdout.write("by month:")
        for month, counts in report.by_month:
            self._line(f"  {month:%Y-%m}", counts)

    def _line(self, title: str, counts: TierCounts) -> None:
        cells = "  ".join(f"{t} {counts.counts[t]:>7} {counts.share(t):5.1f}% ({counts.delta(t):+.1f})" for t in TIERS)
        self.stdout.write(f"{title:<28} {counts.total:>8}  {cells}")
