# SPDX-License-Identifier: MPL-2.0
"""Forecasts of arrivals and SLA risk scores, with the backtests that say how far to trust them.

Everything here is derived from the event log (`core.Event`) by `insight.actions` and can be
recomputed at any time; nothing is primary data. Rows carry `department` and `classification`
like the analytics rollups, so `classification.policy.visible_q` scopes them the same way.
"""

from django.db import models

from civicloop.core.models import classification_field


class ForecastRun(models.Model):
    """One fit of the weekly arrival forecasts and its rolling-origin backtest."""

    created_at = models.DateTimeField(auto_now_add=True)
    trained_until = models.DateField(help_text="The Monday after the last whole week of history.")
    model_name = models.CharField(max_length=80)
    library = models.CharField(max_length=80, help_text="The forecasting library and its version.")
    season_weeks = models.PositiveSmallIntegerField(help_text="0 when the history was too short for a season.")
    horizon_weeks = models.PositiveSmallIntegerField()
    history_weeks = models.PositiveIntegerField()
    backtest_origins = models.PositiveSmallIntegerField(default=0)
    # MAE of the model over the backtest divided by the MAE of seasonal naive over the same windows
    # (so seasonal naive scores 1.0 by construction); pooled over the procedure series.
    mase = models.FloatField(null=True)
    # Hyndman's MASE (errors scaled by the in-sample seasonal-naive error), for the model and for
    # seasonal naive itself, pooled the same way.
    mase_insample = models.FloatField(null=True)
    seasonal_naive_mase_insample = models.FloatField(null=True)


class ArrivalForecast(models.Model):
    """A week of one series: the count that arrived (`is_forecast` False) or the forecast and its intervals.

    A series is a procedure (`procedure` set) or a whole department (`procedure` ''). Hours are
    clerk-hours of work the week's cases bring, from the measured step times (see `staffing.py`).
    """

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="weeks")
    department = models.CharField(max_length=40)
    procedure = models.CharField(max_length=60, blank=True, default="")
    classification = classification_field()
    week = models.DateField(help_text="The Monday of the week (Asia/Tokyo).")
    is_forecast = models.BooleanField()
    value = models.FloatField()
    lo80 = models.FloatField(null=True)
    hi80 = models.FloatField(null=True)
    lo95 = models.FloatField(null=True)
    hi95 = models.FloatField(null=True)
    clerk_hours = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["run", "department", "procedure", "week"], name="insight_forecast_idx")]


class ForecastAccuracy(models.Model):
    """The backtest of one series: the model's and seasonal naive's absolute errors over the same weeks."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="accuracy")
    department = models.CharField(max_length=40)
    procedure = models.CharField(max_length=60, blank=True, default="")
    classification = classification_field()
    weeks = models.PositiveIntegerField()
    model_mae = models.FloatField()
    naive_mae = models.FloatField()
    hours_per_case = models.FloatField(null=True)

    @property
    def mase(self) -> float | None:
        return self.model_mae / self.naive_mae if self.naive_mae else None


class RiskModel(models.Model):
    """One training of the SLA risk model and its evaluation on held-back (later) history."""

    created_at = models.DateTimeField(auto_now_add=True)
    trained_until = models.DateField()
    held_back_from = models.DateField(help_text="Snapshots from this day on were kept out of training.")
    train_rows = models.PositiveIntegerField()
    test_rows = models.PositiveIntegerField()
    positive_rate = models.FloatField(help_text="Share of held-back snapshots that went past their due date.")
    auc = models.FloatField(null=True)
    brier = models.FloatField(null=True)
    calibration = models.JSONField(default=list, help_text="[[mean predicted, observed rate, count], …] per bin.")
    artifact = models.BinaryField(help_text="The fitted scikit-learn pipeline (joblib).")


class CaseRisk(models.Model):
    """The latest risk score of an open case: the chance it goes past its due date, and why."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    department = models.CharField(max_length=40)
    classification = classification_field()
    procedure = models.CharField(max_length=60)
    score = models.FloatField()
    reasons = models.JSONField(default=list, help_text="[[feature, value], …], the largest contributions first.")
    model = models.ForeignKey(RiskModel, on_delete=models.SET_NULL, null=True)
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["department", "score"], name="insight_risk_idx")]
