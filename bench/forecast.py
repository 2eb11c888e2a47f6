# SPDX-License-Identifier: MPL-2.0
"""Forecast accuracy and SLA risk quality on the generated history (issue 16, "Done means").

    .venv/bin/python bench/forecast.py [--years 4] [--scale 0.15] [--seed 16]

A throwaway SQLite database gets `generate_history` (events only, fixed seed and end date); then
`insight.actions.fit_forecasts` and `train_risk_model` run on it exactly as the worker runs them.

- `mase`: the model's absolute error over the rolling-origin backtest divided by seasonal naive's
  over the same weeks, pooled over the procedure series; `seasonal_naive_mase` is 1.0 by that
  definition. `mase_insample` and `seasonal_naive_mase_insample` are Hyndman's MASE (errors scaled
  by the in-sample seasonal-naive error) for the model and for seasonal naive.
- `risk_auc`, `risk_brier`: on the held-back latest quarter of the snapshots (risk.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import throwaway
from bench.report import RESULTS, cpu_model, load_average, now, shown, write

TARGETS = {"mase": 0.9, "risk_auc": 0.75}
JST = timezone(timedelta(hours=9))


def main(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from civicloop.insight import actions
    from civicloop.insight.models import ForecastAccuracy

    throwaway.prepare_database()
    began = time.monotonic()
    call_command("generate_history", years=args.years, scale=args.scale, seed=args.seed, end=args.end,
                 rows=False, skip_rollups=True, force=True, verbosity=0)  # fmt: skip
    generated_s = time.monotonic() - began
    end = datetime.fromisoformat(args.end).replace(hour=23, minute=59, tzinfo=JST)
    began = time.monotonic()
    run = actions.fit_forecasts(now=end)
    forecast_s = time.monotonic() - began
    began = time.monotonic()
    model = actions.train_risk_model(now=end)
    risk_s = time.monotonic() - began
    per_series = sorted(
        ({"department": a.department, "procedure": a.procedure, "mase": round(a.mase, 3) if a.mase else None}
         for a in ForecastAccuracy.objects.filter(run=run)),
        key=lambda r: (r["procedure"] == "", r["mase"] or 0),
    )  # fmt: skip
    department_rows = [a for a in ForecastAccuracy.objects.filter(run=run, procedure="")]
    result = {
        "mase": round(run.mase, 3) if run.mase is not None else None,
        "seasonal_naive_mase": 1.0,
        "mase_insample": _r(run.mase_insample),
        "seasonal_naive_mase_insample": _r(run.seasonal_naive_mase_insample),
        "department_mase": _r(sum(a.model_mae for a in department_rows) / sum(a.naive_mae for a in department_rows))
        if department_rows
        else None,
        "risk_auc": _r(model.auc),
        "risk_brier": _r(model.brier),
        "risk_positive_rate": _r(model.positive_rate),
        "risk_calibration": [[round(p, 3), round(o, 3), n] for p, o, n in model.calibration],
        "forecast_model": run.model_name,
        "library": run.library,
        "history_weeks": run.history_weeks,
        "backtest_origins": run.backtest_origins,
        "horizon_weeks": run.horizon_weeks,
        "risk_train_rows": model.train_rows,
        "risk_test_rows": model.test_rows,
        "risk_held_back_from": model.held_back_from.isoformat(),
        "per_series_mase": per_series,
        "seconds": {"generate": round(generated_s, 1), "forecast": round(forecast_s, 1), "risk": round(risk_s, 1)},
        "history": {"years": args.years, "scale": args.scale, "seed": args.seed, "end": args.end},
        "target": TARGETS,
        "met": {
            "mase": run.mase is not None and run.mase <= TARGETS["mase"],
            "risk_auc": model.auc is not None and model.auc >= TARGETS["risk_auc"],
        },
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model(), "load_average": load_average()},
        "date": now(),
        "command": " ".join([".venv/bin/python bench/forecast.py", *sys.argv[1:]]),
    }
    path = RESULTS / "forecast.json"
    write(path, result)
    print(
        f"mase {result['mase']} (seasonal naive 1.0; Hyndman {result['mase_insample']} vs "
        f"{result['seasonal_naive_mase_insample']}), risk AUC {result['risk_auc']}, Brier {result['risk_brier']} "
        f"→ {shown(path)}"
    )
    return 0


def _r(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=float, default=4.0)
    parser.add_argument("--scale", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--end", default="2026-11-29", help="The history's last day (YYYY-MM-DD).")
    options = parser.parse_args()
    work = throwaway.start("civicloop-forecast-")
    throwaway.run_then_remove(lambda: main(options), work)
