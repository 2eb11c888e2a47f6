# SPDX-License-Identifier: MPL-2.0
"""Fitting forecasts, training the risk model and scoring open cases on a generated history."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from civicloop.cases.models import Case
from civicloop.insight import actions
from civicloop.insight.models import ArrivalForecast, CaseRisk, ForecastAccuracy, ForecastRun, RiskModel

pytestmark = pytest.mark.django_db
END = date(2026, 11, 29)
NOW = datetime.combine(END, time.max, ZoneInfo("Asia/Tokyo"))  # where the generated history ends


@pytest.fixture
def history(catalog: None, settings: object) -> None:
    """About 15 months of a small ward, with case rows (the inbox's cases) behind the events."""
    call_command("generate_history", years=1.25, scale=0.015, seed=7, end=END.isoformat(), rows=True, force=True,
                 verbosity=0)  # fmt: skip


def test_forecasts_risk_scores_and_refits_on_a_generated_history(history: None) -> None:
    # One history for the whole flow: generating it is most of this module's time.
    _forecasts_cover_every_series_twelve_weeks_ahead_with_a_backtest()
    _a_refit_replaces_the_previous_run()
    _the_risk_model_is_evaluated_on_held_back_history_and_scores_the_open_cases()


def _forecasts_cover_every_series_twelve_weeks_ahead_with_a_backtest() -> None:
    # when
    run = actions.fit_forecasts(now=NOW)
    # then the forecast starts with the current (partial) week, the Monday after the last whole one
    assert run.trained_until == date(2026, 11, 23)
    assert run.season_weeks == 0  # under two years: no yearly season (the page says so)
    assert run.backtest_origins >= 2
    forecasts = ArrivalForecast.objects.filter(run=run, is_forecast=True, procedure="juminhyo")
    assert [f.week for f in forecasts.order_by("week")] == [date(2026, 11, 23) + timedelta(weeks=i) for i in range(12)]
    assert (
        ArrivalForecast.objects.filter(run=run, is_forecast=True, procedure="", department="koseki_juumin").count()
        == 12
    )
    assert all(f.lo95 is not None and f.hi95 is not None and f.lo95 <= f.value <= f.hi95 for f in forecasts)
    # and the staffing hint comes from measured step times
    assert all(f.clerk_hours and f.clerk_hours > 0 for f in forecasts)
    assert (ForecastAccuracy.objects.filter(run=run, procedure="juminhyo").get().hours_per_case or 0) > 0
    assert run.mase is not None and 0 < run.mase < 2


def _a_refit_replaces_the_previous_run() -> None:
    first = actions.fit_forecasts(now=NOW)
    second = actions.fit_forecasts(now=NOW)
    assert list(ForecastRun.objects.values_list("pk", flat=True)) == [second.pk]
    assert not ArrivalForecast.objects.filter(run_id=first.pk).exists()


def _the_risk_model_is_evaluated_on_held_back_history_and_scores_the_open_cases() -> None:
    # when
    model = actions.train_risk_model(now=NOW)
    # then the evaluation is on later snapshots than training, and it found the generator's signal
    assert model.held_back_from > date(2025, 9, 1)
    assert model.test_rows > 100 and model.train_rows > model.test_rows
    assert model.auc is not None and model.auc > 0.7
    assert model.brier is not None and model.brier < 0.25
    assert len(model.calibration) == 10
    # and every open case the events know of has a score between 0 and 1 with its reasons
    open_cases = set(Case.objects.filter(closed_at=None).values_list("pk", flat=True))
    scores = list(CaseRisk.objects.all())
    assert {s.case_id for s in scores} == open_cases
    assert all(0.0 <= s.score <= 1.0 for s in scores)
    assert any(s.reasons for s in scores)
    assert RiskModel.objects.count() == 1


def test_too_short_a_history_is_refused_by_name(catalog: None) -> None:
    with pytest.raises(actions.NotEnoughHistory):
        actions.fit_forecasts(now=NOW)
    with pytest.raises(actions.NotEnoughHistory):
        actions.train_risk_model(now=NOW)
