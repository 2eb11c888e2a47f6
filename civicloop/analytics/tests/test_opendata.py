# SPDX-License-Identifier: MPL-2.0
"""Open data: public, aggregates of OFFICIAL records only, and no number below 10 — nor one that gives it away."""

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.analytics import opendata
from civicloop.analytics.models import MonthlyCount

pytestmark = pytest.mark.django_db


def submitted(procedure: str, month: date, online: int, counter: int, classification: str = "OFFICIAL") -> None:
    department = {"juminhyo": "koseki_juumin", "sodai-gomi": "seiso", "seikatsu-hogo": "fukushi"}[procedure]
    for dim, n in (("online", online), ("counter", counter)):
        if n:
            MonthlyCount.objects.create(
                metric="submitted",
                month=month,
                department=department,
                procedure=procedure,
                classification=classification,
                dim=dim,
                count=n,
            )


@pytest.fixture
def months() -> tuple[date, date, date]:
    """Three complete months of one fiscal year, before the current month."""
    today = timezone.localdate()
    year = today.year - 1 if today.month >= 4 else today.year - 2
    return date(year, 4, 1), date(year, 5, 1), date(year, 6, 1)


def rows(slug: str) -> list[dict[str, Any]]:
    return opendata.DATASETS[slug].rows(timezone.localdate().replace(day=1))


def test_counts_of_ten_or_more_are_published_with_the_online_rate(catalog: None, months: Any) -> None:
    submitted("juminhyo", months[0], online=30, counter=70)
    [row] = rows("applications-monthly")
    assert (row["申請件数"], row["オンライン申請件数"], row["窓口申請件数"], row["オンライン利用率"]) == (
        100,
        30,
        70,
        30.0,
    )
    assert row["全国地方公共団体コード"] == "131130" and row["備考"] == ""


def test_a_total_below_ten_is_withheld_with_everything_in_its_row(catalog: None, months: Any) -> None:
    submitted("juminhyo", months[0], online=4, counter=5)
    [row] = rows("applications-monthly")
    assert [row[k] for k in ("申請件数", "オンライン申請件数", "窓口申請件数", "オンライン利用率")] == [None] * 4
    assert row["備考"] == opendata.SUPPRESSED_NOTE


def test_a_small_channel_hides_both_channels_so_the_total_cannot_give_it_back(catalog: None, months: Any) -> None:
    submitted("juminhyo", months[0], online=3, counter=200)
    [row] = rows("applications-monthly")
    assert row["申請件数"] == 203
    assert (row["オンライン申請件数"], row["窓口申請件数"], row["オンライン利用率"]) == (None, None, None)


def test_a_fiscal_year_hides_what_a_withheld_month_would_reveal(catalog: None, months: Any) -> None:
    # given: two months published in full, one month whose total was withheld
    submitted("juminhyo", months[0], online=40, counter=60)
    submitted("juminhyo", months[1], online=40, counter=60)
    submitted("juminhyo", months[2], online=2, counter=3)
    # when
    [year] = rows("online-rate")
    # then: the year's total minus the two published months would be the withheld one
    assert year["申請件数"] is None and year["オンライン申請件数"] is None
    assert year["備考"] == opendata.YEAR_NOTE


def test_a_fiscal_year_of_published_months_is_published(catalog: None, months: Any) -> None:
    for month in months:
        submitted("juminhyo", month, online=20, counter=20)
    [year] = rows("online-rate")
    assert (year["申請件数"], year["オンライン利用率"], year["年度"]) == (120, 50.0, months[0].year)


def test_secret_procedures_are_never_published(catalog: None, months: Any) -> None:
    submitted("seikatsu-hogo", months[0], online=50, counter=50, classification="SECRET")
    submitted("sodai-gomi", months[0], online=50, counter=50)
    assert [row["手続ID"] for row in rows("applications-monthly")] == ["sodai-gomi"]


def test_the_current_month_is_left_out_until_it_is_complete(catalog: None) -> None:
    submitted("juminhyo", timezone.localdate().replace(day=1), online=50, counter=50)
    assert rows("applications-monthly") == []


def test_anyone_may_download_the_files_without_signing_in(catalog: None, months: Any) -> None:
    submitted("juminhyo", months[0], online=30, counter=70)
    submitted("sodai-gomi", months[0], online=1, counter=90)
    client = Client()
    assert client.get("/opendata/").status_code == 200
    response = client.get("/opendata/applications-monthly.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(table[0])[:3] == ["全国地方公共団体コード", "ID", "地方公共団体名"] and list(table[0])[-1] == "備考"
    small = next(r for r in table if r["手続ID"] == "sodai-gomi")
    assert small["オンライン申請件数"] == "" and small["窓口申請件数"] == ""
    payload = client.get("/opendata/applications-monthly.json").json()
    assert payload["licence"] == opendata.LICENCE
    assert next(r for r in payload["records"] if r["手続ID"] == "sodai-gomi")["オンライン申請件数"] is None
    assert client.get("/opendata/nothing.csv").status_code == 404


def test_processing_days_of_fewer_than_ten_cases_are_withheld(catalog: None, months: Any) -> None:
    from civicloop.analytics.models import MonthlyHistogram

    for procedure, n in (("juminhyo", 40), ("sodai-gomi", 6)):
        department = "koseki_juumin" if procedure == "juminhyo" else "seiso"
        MonthlyHistogram.objects.create(
            metric="processing_days",
            month=months[0],
            department=department,
            procedure=procedure,
            classification="OFFICIAL",
            bucket=2,
            count=n,
            total=2.0 * n,
        )
    by_code = {row["手続ID"]: row for row in rows("processing-days")}
    assert (by_code["juminhyo"]["処理件数"], by_code["juminhyo"]["処理日数_中央値"]) == (40, 2.0)
    assert by_code["sodai-gomi"]["処理件数"] is None and by_code["sodai-gomi"]["処理日数_中央値"] is None
    # 40 cases all on time: the late count (0) is below 10, so the rate would reveal it
    assert by_code["juminhyo"]["期間内処理率"] is None
