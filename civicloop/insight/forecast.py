# SPDX-License-Identifier: MPL-2.0
"""Weekly arrivals for the next weeks with prediction intervals, and a rolling-origin backtest.

Arrivals are modelled per open day of the week (`open_days`): a week with 祝日 or the 年末年始
closure has fewer counter days, which the calendar knows in advance. Then statsforecast's MSTL
(a 52-week season taken out by STL, the rest forecast by AutoETS) when the
history holds at least two whole years plus the backtest; with less, a yearly season cannot be
estimated and AutoETS alone is used, with plain naive (last week's count) as its yardstick (the page says so). The
backtest refits at several origins, each forecasting HORIZON weeks, and compares the absolute
errors with seasonal naive's (the same week last year) over exactly the same weeks.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from civicloop.core.calendar import is_business_day

HORIZON = 12
SEASON = 52
MAX_ORIGINS = 4
LEVELS = (80, 95)


@dataclass(frozen=True)
class SeriesForecast:
    weeks: list[date]
    mean: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]


@dataclass(frozen=True)
class Backtest:
    weeks: int  # forecast weeks compared
    model_abs_error: float  # summed over those weeks
    naive_abs_error: float
    insample_scale: float | None  # mean |y_t - y_{t-52}| of the whole history (Hyndman's MASE)


@dataclass(frozen=True)
class Result:
    model_name: str
    season: int
    origins: int
    forecasts: dict[str, SeriesForecast]
    backtests: dict[str, Backtest]


def dense(counts: Mapping[date, int], first: date, last: date) -> np.ndarray:
    """The weekly counts from `first` to `last` (Mondays), zero for weeks with no arrival."""
    weeks = (last - first).days // 7 + 1
    values = np.zeros(weeks)
    for week, n in counts.items():
        index = (week - first).days // 7
        if 0 <= index < weeks:
            values[index] = n
    return values


def plan(history_weeks: int) -> tuple[int, int]:
    """(season, backtest origins) a history of this length allows."""
    spare = history_weeks - 2 * SEASON
    if spare >= HORIZON:
        return SEASON, min(MAX_ORIGINS, spare // HORIZON)
    return 0, min(MAX_ORIGINS, max(0, (history_weeks - 26) // HORIZON))


def _models(season: int) -> tuple[list[Any], str]:
    from statsforecast.models import MSTL, AutoETS

    if season:
        model = MSTL(season_length=season, trend_forecaster=AutoETS(model="ZZN"), alias="model")
        return [model], f"MSTL({season}) + AutoETS"
    return [AutoETS(model="ZZN", alias="model")], "AutoETS"


def open_days(first: date, weeks: int) -> np.ndarray:
    """Each week's share of a normal week's opening: its business days, plus half a day for the online
    applications of a weekend, over 5.5 (core/calendar.py: 祝日, 年末年始). The calendar is known
    ahead, so the model learns arrivals per open day and the forecast is scaled back by it."""
    weights = np.empty(weeks)
    for i in range(weeks):
        monday = first + timedelta(weeks=i)
        weights[i] = (sum(is_business_day(monday + timedelta(days=d)) for d in range(7)) + 0.5) / 5.5
    return weights


def _frame(series: Mapping[str, np.ndarray], first: date) -> Any:
    import pandas as pd

    frames = [
        pd.DataFrame({"unique_id": key, "ds": pd.date_range(first, periods=len(y), freq="W-MON"), "y": y})
        for key, y in series.items()
    ]
    return pd.concat(frames, ignore_index=True)


def forecast(series: Mapping[str, np.ndarray], first: date, horizon: int = HORIZON) -> Result:
    """Forecasts and backtests of every series (all of the same length, weekly from `first`)."""
    from statsforecast import StatsForecast

    length = len(next(iter(series.values())))
    season, origins = plan(length)
    models, name = _models(season)
    weights = open_days(first, length + horizon)
    frame = _frame({key: y / weights[:length] for key, y in series.items()}, first)
    engine = StatsForecast(models=models, freq="W-MON", n_jobs=1)
    predicted = engine.forecast(df=frame, h=horizon, level=list(LEVELS))
    ahead = weights[length:]
    forecasts = {}
    for key, part in predicted.groupby("unique_id"):
        weeks = [first + timedelta(weeks=length + i) for i in range(horizon)]
        column = part.sort_values("ds")
        values = (
            np.clip(column[c].to_numpy(dtype=float) * ahead, 0, None).tolist()
            for c in ("model", "model-lo-80", "model-hi-80", "model-lo-95", "model-hi-95")
        )
        forecasts[str(key)] = SeriesForecast(weeks, *values)
    backtests = _backtest(engine, frame, series, weights, first, season, origins, horizon) if origins else {}
    return Result(name, season, origins, forecasts, backtests)


def _backtest(
    engine: Any,
    frame: Any,
    series: Mapping[str, np.ndarray],
    weights: np.ndarray,
    first: date,
    season: int,
    origins: int,
    h: int,
) -> dict[str, Backtest]:
    """Refit at each origin; compare with seasonal naive on the raw counts over the same weeks."""
    windows = engine.cross_validation(df=frame, h=h, step_size=h, n_windows=origins)
    result = {}
    start = np.datetime64(first, "D")
    for key, part in windows.groupby("unique_id"):
        history = series[str(key)]
        index = ((part["ds"].to_numpy().astype("datetime64[D]") - start).astype(int) // 7).astype(int)
        cutoff = ((part["cutoff"].to_numpy().astype("datetime64[D]") - start).astype(int) // 7).astype(int)
        y = history[index]
        model = np.clip(part["model"].to_numpy(dtype=float) * weights[index], 0, None)
        naive = history[index - season] if season else history[cutoff]
        scale = float(np.mean(np.abs(history[season:] - history[:-season]))) if season else None
        result[str(key)] = Backtest(len(y), float(np.abs(y - model).sum()), float(np.abs(y - naive).sum()), scale)
    return result


def pooled_mase(backtests: Mapping[str, Backtest]) -> tuple[float | None, float | None, float | None]:
    """(model ÷ seasonal naive, Hyndman MASE of the model, Hyndman MASE of seasonal naive), pooled."""
    model = sum(b.model_abs_error for b in backtests.values())
    naive = sum(b.naive_abs_error for b in backtests.values())
    scaled = [b for b in backtests.values() if b.insample_scale]
    denominator = sum(b.weeks * (b.insample_scale or 0.0) for b in scaled)
    if not denominator:
        return (model / naive if naive else None), None, None
    return (
        model / naive if naive else None,
        sum(b.model_abs_error for b in scaled) / denominator,
        sum(b.naive_abs_error for b in scaled) / denominator,
    )
