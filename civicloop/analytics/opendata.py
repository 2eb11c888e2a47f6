# SPDX-License-Identifier: MPL-2.0
"""Open data: OFFICIAL aggregates for everyone, as CSV (自治体標準オープンデータセット style) and JSON.

Only aggregates of OFFICIAL records, never a row about a person. Small-cell suppression: no
published number is below 10, and no published number lets anyone work out one that is — a
row's online and counter counts go together (either gives the other through the total), a rate
goes with its counts, and a fiscal-year figure is withheld when a month inside it was (the year
minus the published months would give the withheld month back).
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicloop.analytics import durations
from civicloop.analytics.models import MonthlyCount, MonthlyHistogram
from civicloop.analytics.procedures import procedure_info
from civicloop.applications.models import is_online_channel
from civicloop.core.models import Classification

MIN_CELL = 10
SUPPRESSED_NOTE = "10件未満の値を含むため一部を秘匿"
YEAR_NOTE = "月別で秘匿した値を含むため秘匿"
LICENCE = "CC BY 4.0"
PREFIX_COLUMNS = ["全国地方公共団体コード", "ID", "地方公共団体名"]


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: "str | Promise"
    description: "str | Promise"
    columns: list[str]
    rows: Callable[[date], list[dict[str, Any]]]


def _official_month_counts(before: date) -> dict[tuple[str, date], dict[str, int]]:
    """Applications per (procedure, month) by channel, OFFICIAL only, complete months only."""
    counts: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: {"online": 0, "counter": 0})
    rows = (
        MonthlyCount.objects.filter(metric="submitted", classification=Classification.OFFICIAL, month__lt=before)
        .values_list("procedure", "month", "dim")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for procedure, month, dim, n in rows:
        counts[(procedure, month)]["online" if is_online_channel(dim) else "counter"] += n
    return counts


def _prefix(row_id: str) -> dict[str, Any]:
    return {"全国地方公共団体コード": settings.LG_CODE, "ID": row_id, "地方公共団体名": settings.LG_NAME_JA}


def _split_cells(online: int, counter: int) -> tuple[Any, Any, Any, Any, bool]:
    """(total, online, counter, rate %, suppressed?) with the small-cell rules applied."""
    total = online + counter
    if total < MIN_CELL:
        return None, None, None, None, True
    if online < MIN_CELL or counter < MIN_CELL:
        return total, None, None, None, True
    return total, online, counter, round(100.0 * online / total, 1), False


def applications_monthly(before: date) -> list[dict[str, Any]]:
    records = []
    for (code, month), c in sorted(_official_month_counts(before).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        info = procedure_info(code)
        total, online, counter, rate, hidden = _split_cells(c["online"], c["counter"])
        records.append(
            {
                **_prefix(f"{code}-{month:%Y%m}"),
                "年月": f"{month:%Y-%m}",
                "手続ID": code,
                "名称": info.name_ja,
                "担当課": info.department,
                "申請件数": total,
                "オンライン申請件数": online,
                "窓口申請件数": counter,
                "オンライン利用率": rate,
                "備考": SUPPRESSED_NOTE if hidden else "",
            }
        )
    return records


def _fiscal_year(month: date) -> int:
    return month.year if month.month >= 4 else month.year - 1


def online_rate_yearly(before: date) -> list[dict[str, Any]]:
    years: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: {"online": 0, "counter": 0, "total_hidden": 0, "split_hidden": 0}
    )
    for (code, month), c in _official_month_counts(before).items():
        year = years[(code, _fiscal_year(month))]
        year["online"] += c["online"]
        year["counter"] += c["counter"]
        month_total, *_, month_hidden = _split_cells(c["online"], c["counter"])
        year["total_hidden"] |= int(month_total is None)
        year["split_hidden"] |= int(month_hidden)
    records = []
    for (code, fiscal_year), c in sorted(years.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        total, online, counter, rate, hidden = _split_cells(c["online"], c["counter"])
        note = SUPPRESSED_NOTE if hidden else ""
        # A month of this year lost a cell: withhold what would give it back by difference.
        if c["total_hidden"]:
            total = None
        if c["split_hidden"]:
            online = counter = rate = None
            note = YEAR_NOTE
        info = procedure_info(code)
        records.append(
            {
                **_prefix(f"{code}-FY{fiscal_year}"),
                "年度": fiscal_year,
                "手続ID": code,
                "名称": info.name_ja,
                "担当課": info.department,
                "申請件数": total,
                "オンライン申請件数": online,
                "窓口申請件数": counter,
                "オンライン利用率": rate,
                "備考": note,
            }
        )
    return records


def processing_days_monthly(before: date) -> list[dict[str, Any]]:
    buckets: dict[tuple[str, date], list[tuple[int, int, float]]] = defaultdict(list)
    rows = (
        MonthlyHistogram.objects.filter(
            metric="processing_days", classification=Classification.OFFICIAL, month__lt=before
        )
        .values_list("procedure", "month", "bucket")
        .annotate(n=Sum("count"), t=Sum("total"))
        .order_by()
    )
    for procedure, month, bucket, n, total in rows:
        buckets[(procedure, month)].append((bucket, n, total))
    late: dict[tuple[str, date], int] = defaultdict(int)
    for procedure, month, n in (
        MonthlyCount.objects.filter(metric="closed_overdue", classification=Classification.OFFICIAL, month__lt=before)
        .values_list("procedure", "month")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        late[(procedure, month)] += n
    records = []
    for (code, month), rows_of_month in sorted(buckets.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        summary = durations.summarize(rows_of_month, log_scale=False)
        if summary is None:
            continue
        info = procedure_info(code)
        shown = summary.count >= MIN_CELL
        late_n = late[(code, month)]
        rate_shown = shown and late_n >= MIN_CELL and summary.count - late_n >= MIN_CELL
        records.append(
            {
                **_prefix(f"{code}-{month:%Y%m}"),
                "年月": f"{month:%Y-%m}",
                "手続ID": code,
                "名称": info.name_ja,
                "担当課": info.department,
                "処理件数": summary.count if shown else None,
                "処理日数_中央値": summary.median if shown else None,
                "処理日数_90パーセンタイル": summary.p90 if shown else None,
                "標準処理期間": info.standard_days or None,
                "日数の種類": "開庁日" if info.day_kind == "business" else "暦日",
                "期間内処理率": round(100.0 * (summary.count - late_n) / summary.count, 1) if rate_shown else None,
                "備考": "" if rate_shown else SUPPRESSED_NOTE,
            }
        )
    return records


_COUNT_COLUMNS = ["申請件数", "オンライン申請件数", "窓口申請件数", "オンライン利用率", "備考"]
DATASETS = {
    d.slug: d
    for d in [
        Dataset(
            "applications-monthly",
            _("Applications per procedure per month"),
            _(
                "How many applications each procedure received each month, online and at the counter, and the online rate."
            ),
            [*PREFIX_COLUMNS, "年月", "手続ID", "名称", "担当課", *_COUNT_COLUMNS],
            applications_monthly,
        ),
        Dataset(
            "processing-days",
            _("Processing days per procedure per month"),
            _(
                "Median and 90th percentile of the days from arrival to decision, beside the standard processing period."
            ),
            [
                *PREFIX_COLUMNS,
                "年月",
                "手続ID",
                "名称",
                "担当課",
                "処理件数",
                "処理日数_中央値",
                "処理日数_90パーセンタイル",
                "標準処理期間",
                "日数の種類",
                "期間内処理率",
                "備考",
            ],
            processing_days_monthly,
        ),
        Dataset(
            "online-rate",
            _("Online rate per procedure per fiscal year"),
            _("Applications per procedure per fiscal year (April to March) and the share made online."),
            [*PREFIX_COLUMNS, "年度", "手続ID", "名称", "担当課", *_COUNT_COLUMNS],
            online_rate_yearly,
        ),
    ]
}


def records(slug: str) -> list[dict[str, Any]]:
    """The dataset's rows up to the last complete month; cached, since anyone may ask."""
    dataset = DATASETS.get(slug)
    if dataset is None:
        raise Http404
    before = timezone.localdate().replace(day=1)
    key = f"analytics:opendata:{slug}:{before}"
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = dataset.rows(before)
        cache.set(key, rows, settings.ANALYTICS_OPENDATA_CACHE_SECONDS)
    return rows


def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/opendata.html", {"datasets": DATASETS.values(), "licence": LICENCE})


def to_csv(slug: str) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=DATASETS[slug].columns, lineterminator="\r\n")
    writer.writeheader()
    for row in records(slug):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return "\ufeff" + buffer.getvalue()


def dataset_csv(request: HttpRequest, slug: str) -> HttpResponse:
    body = to_csv(slug) if slug in DATASETS else None
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{settings.LG_CODE}_{slug}.csv"'
    return response


def dataset_json(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = DATASETS.get(slug)
    if dataset is None:
        raise Http404
    return JsonResponse(
        {
            "dataset": slug,
            "title": str(dataset.title),
            "publisher": {"code": settings.LG_CODE, "name": settings.LG_NAME_JA},
            "licence": LICENCE,
            "columns": dataset.columns,
            "suppression": f"values below {MIN_CELL}, and values that would reveal them, are null",
            "records": records(slug),
        },
        json_dumps_params={"ensure_ascii": False},
    )
