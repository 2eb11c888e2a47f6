# SPDX-License-Identifier: MPL-2.0
"""Fit the forecasts, train the SLA risk model and score the open cases (all from the event log)."""

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from importlib.metadata import version

import numpy as np
from django.db import transaction
from django.utils import timezone

from civicloop.cases.models import Case
from civicloop.core.models import Classification
from civicloop.insight import forecast, risk, staffing, timeline
from civicloop.insight.models import ArrivalForecast, CaseRisk, ForecastAccuracy, ForecastRun, RiskModel

logger = logging.getLogger(__name__)
SHOWN_HISTORY_WEEKS = 52  # weeks of actual arrivals kept beside the forecast, for the chart
MIN_HISTORY_WEEKS = 26
SCORING_LOOKBACK_DAYS = 730  # open cases older than two years are rare; their assignee's load still counts


class NotEnoughHistory(Exception):
    """Too few weeks or cases in the event log to fit a model worth showing."""


def fit_forecasts(*, now: datetime | None = None) -> ForecastRun:
    """Forecast weekly arrivals per procedure and per department, backtest them, and store the run."""
    now = now or timezone.now()
    arrivals = timeline.weekly_arrivals(now)
    if arrivals.first_week is None or arrivals.last_week is None:
        raise NotEnoughHistory("no case has arrived yet")
    first, last = arrivals.first_week, arrivals.last_week
    series, tiers = _series(arrivals)
    weeks = len(next(iter(series.values())))
    if weeks < MIN_HISTORY_WEEKS:
        raise NotEnoughHistory(f"{weeks} weeks of arrivals; at least {MIN_HISTORY_WEEKS} are needed")
    result = forecast.forecast(series, first)
    durations = timeline.step_hours()
    totals = {_split(key)[1]: int(y.sum()) for key, y in series.items() if _split(key)[1]}
    per_case = staffing.hours_per_case(durations, totals)
    procedure_only = {k: b for k, b in result.backtests.items() if _split(k)[1]}
    mase, insample, naive_insample = forecast.pooled_mase(procedure_only)
    with transaction.atomic():
        run = ForecastRun.objects.create(
            trained_until=last + timedelta(days=7),
            model_name=result.model_name,
            library=f"statsforecast {version('statsforecast')}",
            season_weeks=result.season,
            horizon_weeks=forecast.HORIZON,
            history_weeks=weeks,
            backtest_origins=result.origins,
            mase=mase,
            mase_insample=insample,
            seasonal_naive_mase_insample=naive_insample,
        )
        _store_weeks(run, series, result, tiers, first, per_case)
        _store_accuracy(run, result, tiers, per_case)
        ForecastRun.objects.exclude(pk=run.pk).delete()
    return run


def _key(department: str, procedure: str) -> str:
    return f"{department}|{procedure}"


def _split(key: str) -> tuple[str, str]:
    department, _sep, procedure = key.partition("|")
    return department, procedure


def _series(arrivals: timeline.Arrivals) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Procedure series and their department sums, all over the same weeks."""
    assert arrivals.first_week is not None and arrivals.last_week is not None
    series: dict[str, np.ndarray] = {}
    tiers: dict[str, str] = {}
    departments: dict[str, np.ndarray] = {}
    department_tiers: dict[str, str] = defaultdict(lambda: str(Classification.OFFICIAL))
    for (department, procedure), counts in sorted(arrivals.counts.items()):
        y = forecast.dense(counts, arrivals.first_week, arrivals.last_week)
        series[_key(department, procedure)] = y
        tiers[_key(department, procedure)] = arrivals.classification[(department, procedure)]
        departments[department] = departments[department] + y if department in departments else y.copy()
        department_tiers[department] = max(department_tiers[department], tiers[_key(department, procedure)])
    for department, y in departments.items():
        series[_key(department, "")] = y
        tiers[_key(department, "")] = department_tiers[department]
    return series, tiers


def _store_weeks(
    run: ForecastRun,
    series: dict[str, np.ndarray],
    result: forecast.Result,
    tiers: dict[str, str],
    first: date,
    per_case: dict[str, float],
) -> None:
    rows = []
    for key, y in series.items():
        department, procedure = _split(key)
        hours = per_case.get(procedure) if procedure else None
        shown = y[-SHOWN_HISTORY_WEEKS:]
        offset = len(y) - len(shown)
        for i, value in enumerate(shown):
            week = first + timedelta(weeks=offset + i)
            rows.append(ArrivalForecast(run=run, department=department, procedure=procedure, classification=tiers[key],
                                        week=week, is_forecast=False, value=float(value)))  # fmt: skip
        predicted = result.forecasts[key]
        for i, week in enumerate(predicted.weeks):
            rows.append(
                ArrivalForecast(
                    run=run, department=department, procedure=procedure, classification=tiers[key], week=week,
                    is_forecast=True, value=predicted.mean[i], lo80=predicted.lo80[i], hi80=predicted.hi80[i],
                    lo95=predicted.lo95[i], hi95=predicted.hi95[i],
                    clerk_hours=round(predicted.mean[i] * hours, 1) if hours is not None else None,
                )
            )  # fmt: skip
    ArrivalForecast.objects.bulk_create(rows, batch_size=2000)


def _store_accuracy(run: ForecastRun, result: forecast.Result, tiers: dict[str, str], per_case: dict[str, float]) -> None:  # fmt: skip
    ForecastAccuracy.objects.bulk_create(
        ForecastAccuracy(
            run=run, department=_split(key)[0], procedure=_split(key)[1], classification=tiers[key],
            weeks=b.weeks, model_mae=b.model_abs_error / b.weeks, naive_mae=b.naive_abs_error / b.weeks,
            hours_per_case=per_case.get(_split(key)[1]),
        )
        for key, b in result.backtests.items()
        if b.weeks
    )  # fmt: skip


def train_risk_model(*, now: datetime | None = None) -> RiskModel:
    """Evaluate on held-back history, refit on all of it, store the model and score the open cases."""
    now = now or timezone.now()
    cases = timeline.timelines()
    rows = risk.snapshots(cases, now)
    evaluation = risk.evaluate(rows)
    if evaluation is None:
        raise NotEnoughHistory("too few snapshots, or only one outcome, to train and hold back")
    predictor = risk.RiskPredictor.fit([r.features for _d, r in rows], [bool(r.late) for _d, r in rows])
    model = RiskModel.objects.create(
        trained_until=now.date(),
        held_back_from=evaluation.held_back_from,
        train_rows=evaluation.train_rows,
        test_rows=evaluation.test_rows,
        positive_rate=evaluation.positive_rate,
        auc=evaluation.auc,
        brier=evaluation.brier,
        calibration=evaluation.calibration,
        artifact=predictor.dump(),
    )
    RiskModel.objects.exclude(pk=model.pk).delete()
    score_open_cases(now=now, model=model, cases=cases)
    return model


def score_open_cases(
    *, now: datetime | None = None, model: RiskModel | None = None, cases: dict[str, timeline.Timeline] | None = None
) -> int:
    """Score every open case with the latest model; returns how many were scored."""
    now = now or timezone.now()
    model = model or RiskModel.objects.order_by("-created_at").first()
    if model is None:
        return 0
    predictor = risk.RiskPredictor.load(bytes(model.artifact))
    if cases is None:
        cases = timeline.timelines(since=now - timedelta(days=SCORING_LOOKBACK_DAYS))
    active = [c for c in cases.values() if c.is_open_at(now)]
    pks = _open_case_pks([c.case_id for c in active])
    scored = risk.open_at(active, now)
    today = timezone.localdate(now)
    late = [c for c in active if c.due_at(now) < today and c.case_id in pks]
    listed = [(c, f) for c, f in scored if c.case_id in pks]
    scores = predictor.scores([f for _c, f in listed]) if listed else []
    reasons = predictor.reasons([f for _c, f in listed]) if listed else []
    rows = [
        CaseRisk(case_id=pks[c.case_id], department=c.department, classification=c.classification,
                 procedure=c.procedure, score=float(s), reasons=[[k, v] for k, v in why], model=model, scored_at=now)
        for (c, _f), s, why in zip(listed, scores, reasons, strict=True)
    ] + [
        CaseRisk(case_id=pks[c.case_id], department=c.department, classification=c.classification,
                 procedure=c.procedure, score=1.0, reasons=[["days_left", _signed_left(c, now)]], model=model,
                 scored_at=now)
        for c in late
    ]  # fmt: skip
    with transaction.atomic():
        CaseRisk.objects.all().delete()
        CaseRisk.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _signed_left(case: timeline.Timeline, now: datetime) -> int:
    return int(risk.features_at(case, now, 0)["days_left"])


def _open_case_pks(public_ids: list[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for start in range(0, len(public_ids), 5000):
        chunk = public_ids[start : start + 5000]
        for public_id, pk in Case.objects.filter(public_id__in=chunk, closed_at=None).values_list("public_id", "pk"):
            result[str(public_id)] = pk
    return result
