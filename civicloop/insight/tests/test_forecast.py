# SPDX-License-Identifier: MPL-2.0
"""Weekly forecasts and their backtest on series whose truth we know."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from civicloop.insight import forecast, staffing
from civicloop.insight.forecast import Backtest

FIRST = date(2022, 1, 3)  # a Monday


def _seasonal(weeks: int, seed: int, base: float = 40.0) -> np.ndarray:
    """Poisson counts with a spring peak (weeks 9–16 of each year, as 転入 in March and April), fewer in
    weeks with holidays (the counters are shut)."""
    t = np.arange(weeks)
    peak = ((t % 52) >= 9) & ((t % 52) < 17)
    mean = base * (1 + 1.5 * peak) * forecast.open_days(FIRST, weeks)
    return np.random.default_rng(seed).poisson(mean).astype(float)


def test_it_beats_seasonal_naive_on_a_noisy_seasonal_series() -> None:
    # given three and a half years of a seasonal Poisson series
    series = {f"s{i}": _seasonal(182, seed=i) for i in range(6)}
    # when
    result = forecast.forecast(series, FIRST)
    mase, mase_insample, naive_insample = forecast.pooled_mase(result.backtests)
    # then a 52-week season is modelled, backtested from several origins, and beats last year's count
    assert result.season == 52
    assert result.origins >= 2
    assert mase is not None and mase < 0.95
    assert mase_insample is not None and naive_insample is not None and mase_insample < naive_insample


def test_its_intervals_are_nested_around_the_forecast_and_never_negative() -> None:
    result = forecast.forecast({"s": _seasonal(130, seed=1, base=3.0)}, FIRST)
    f = result.forecasts["s"]
    assert len(f.weeks) == forecast.HORIZON
    assert f.weeks[0] == date(2024, 7, 1)  # the Monday after the 130th week
    for lo95, lo80, mean, hi80, hi95 in zip(f.lo95, f.lo80, f.mean, f.hi80, f.hi95, strict=True):
        assert 0 <= lo95 <= lo80 <= mean <= hi80 <= hi95


def test_under_two_years_it_models_no_season_and_compares_with_plain_naive() -> None:
    result = forecast.forecast({"s": _seasonal(70, seed=2)}, FIRST)
    assert result.season == 0
    assert result.model_name == "AutoETS"
    assert result.origins == 3  # (70 - 26) // 12
    assert set(result.backtests) == {"s"}


def test_a_week_of_holidays_gets_fewer_arrivals_than_the_weeks_around_it() -> None:
    # given a history ending on the week before Golden Week 2024 (4/29 and 5/3–5/6 are holidays)
    first = date(2022, 4, 25)
    weeks = (date(2024, 4, 22) - first).days // 7 + 1
    mean = 50 * forecast.open_days(first, weeks)
    series = {"s": np.random.default_rng(5).poisson(mean).astype(float)}
    # when
    f = forecast.forecast(series, first).forecasts["s"]
    # then the week of 4/29 (three business days) is forecast below the week of 5/6 (four) and of 5/13 (five)
    assert f.weeks[0] == date(2024, 4, 29)
    assert f.mean[0] / f.mean[1] == pytest.approx(3.5 / 4.5, rel=0.05)
    assert f.mean[1] / f.mean[2] == pytest.approx(4.5 / 5.5, rel=0.05)


def test_pooled_mase_of_seasonal_naive_against_itself_is_one() -> None:
    same = {"a": Backtest(12, 30.0, 30.0, 2.0), "b": Backtest(12, 6.0, 6.0, 1.0)}
    assert forecast.pooled_mase(same) == (1.0, 1.0, 1.0)


def test_dense_fills_weeks_without_arrivals_with_zero() -> None:
    counts = {date(2022, 1, 3): 4, date(2022, 1, 17): 2}
    assert forecast.dense(counts, FIRST, date(2022, 1, 24)).tolist() == [4, 0, 2, 0]


def test_office_hours_leave_out_nights_weekends_and_holidays() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    friday_afternoon = datetime(2026, 5, 1, 16, 15, tzinfo=tokyo)
    thursday_morning = datetime(2026, 5, 7, 9, 30, tzinfo=tokyo)  # 5/2–5/6: weekend and Golden Week
    assert staffing.office_hours(friday_afternoon, thursday_morning) == pytest.approx(1.0 + 1.0)
    assert staffing.office_hours(thursday_morning, thursday_morning + timedelta(hours=3)) == pytest.approx(3.0)


def test_hours_per_case_weighs_each_step_by_the_share_of_cases_that_take_it() -> None:
    durations = {("p", "intake"): [1.0, 1.0, 3.0, 1.0], ("p", "review"): [4.0, 6.0], ("p", "approval"): [99.0]}
    assert staffing.hours_per_case(durations, {"p": 4}) == {"p": 1.0 + 5.0 * 0.5}  # approval is not the clerk's
