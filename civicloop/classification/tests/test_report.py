# SPDX-License-Identifier: MPL-2.0
"""The classification report and its command: counts, shares and differences from 80/15/5."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from civicloop.classification.report import build_report
from civicloop.classification.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_it_counts_each_kind_per_tier_department_and_month(world: World) -> None:
    report = build_report()
    kinds = {source.model: counts for source, counts in report.by_kind}
    for model in ("applications.Application", "cases.Case", "applications.Attachment"):
        assert kinds[model].counts == {"OFFICIAL": 1, "SECRET": 1, "TOP_SECRET": 1}
    assert report.total.total == sum(c.total for c in kinds.values())
    assert [code for code, _name, _c in report.by_department] == ["seiso"]
    assert sum(c.total for _m, c in report.by_month) == report.total.total
    assert kinds["cases.Case"].share("OFFICIAL") == 33.3
    assert kinds["cases.Case"].delta("OFFICIAL") == -46.7  # 33.3% against the reference's 80%


def test_an_empty_database_reports_zeros_not_errors(db: None) -> None:
    report = build_report()
    assert report.total.total == 0 and report.total.share("SECRET") == 0.0 and report.total.delta("SECRET") == 0.0


def test_the_command_prints_a_table_or_json(world: World) -> None:
    out = StringIO()
    call_command("classification_report", stdout=out)
    assert "reference: OFFICIAL 80% / SECRET 15% / TOP_SECRET 5%" in out.getvalue()
    assert "seiso" in out.getvalue()
    out = StringIO()
    call_command("classification_report", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["by_kind"]["cases.Case"]["TOP_SECRET"] == {"count": 1, "share_pct": 33.3}
    assert data["reference_pct"] == {"OFFICIAL": 80.0, "SECRET": 15.0, "TOP_SECRET": 5.0}
