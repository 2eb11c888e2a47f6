# SPDX-License-Identifier: MPL-2.0
"""SLA risk: the chance that an open case goes past its due date, with the reasons behind it.

The model learns from snapshots of the history: every SNAPSHOT_DAYS, each case open then (and not
yet past due) becomes a row with what was known about it at that moment, labelled by whether it was
decided late in the end. The latest part of the history is held back and scores the model (AUC,
Brier score, calibration) before it is refitted on everything for the live scores.

A logistic regression over one-hot and spline features rather than boosted trees: each score then
splits exactly into per-feature contributions (coefficient × (value − training mean)), which are
the reasons the inbox shows, and its probabilities are close to calibrated without a second step.
"""

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from civicloop.core.calendar import business_days_between
from civicloop.insight.timeline import TOKYO, Timeline

SNAPSHOT_DAYS = 7
LABEL_WAIT_DAYS = 60  # snapshots this close to now mostly lack an outcome: none is scored on them
HELD_BACK_SHARE = 0.25
CATEGORICAL = ["procedure", "stage", "month"]
NUMERIC = ["age", "days_left", "corrections", "workload"]
# days_left is held between these: a case 20 business days late is scored as one 5 days late.
DAYS_LEFT_FLOOR, DAYS_LEFT_CEILING = -5, 60
FEATURES = CATEGORICAL + NUMERIC
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Snapshot:
    case_id: str
    department: str
    procedure: str
    classification: str
    features: dict[str, Any]
    late: bool | None


def _signed_business_days(start: date, end: date) -> int:
    return business_days_between(start, end) if end >= start else -business_days_between(end, start)


def features_at(case: Timeline, moment: datetime, workload: int) -> dict[str, Any]:
    """What was known about `case` at `moment`: procedure, step, age, 補正 count, workload, time of year."""
    today = moment.astimezone(TOKYO).date()
    pending = any(asked <= moment and (answered is None or answered > moment) for asked, answered in case.corrections)
    done = [task for at, task in case.steps if at <= moment]
    stage = "correction" if pending else (done[-1] if done else "new")
    return {
        "procedure": case.procedure,
        "stage": stage,
        "month": str(today.month),
        "age": business_days_between(case.opened.astimezone(TOKYO).date(), today),
        "days_left": max(min(_signed_business_days(today, case.due_at(moment)), DAYS_LEFT_CEILING), DAYS_LEFT_FLOOR),
        "corrections": sum(1 for asked, _ in case.corrections if asked <= moment),
        "workload": workload,
    }


def open_at(cases: Sequence[Timeline], moment: datetime) -> list[tuple[Timeline, dict[str, Any]]]:
    """The cases open at `moment` that are not yet past due, each with its features."""
    open_cases = [c for c in cases if c.is_open_at(moment)]
    held = Counter(c.claimed[1] for c in open_cases if c.claimed and c.claimed[0] <= moment and c.claimed[1])
    today = moment.astimezone(TOKYO).date()
    result = []
    for case in open_cases:
        if case.due_at(moment) < today:
            continue  # already late: nothing left to predict
        assignee = case.claimed[1] if case.claimed and case.claimed[0] <= moment else ""
        result.append((case, features_at(case, moment, held[assignee] if assignee else 0)))
    return result


def snapshots(cases: dict[str, Timeline], now: datetime) -> list[tuple[date, Snapshot]]:
    """Training rows: the open cases every SNAPSHOT_DAYS, labelled with whether they ended late."""
    ordered = sorted((c for c in cases.values() if not c.withdrawn), key=lambda c: c.opened)
    if not ordered:
        return []
    moment = ordered[0].opened + timedelta(days=28)
    last = now - timedelta(days=LABEL_WAIT_DAYS)
    rows: list[tuple[date, Snapshot]] = []
    active: list[Timeline] = []
    index = 0
    while moment <= last:
        while index < len(ordered) and ordered[index].opened <= moment:
            active.append(ordered[index])
            index += 1
        active = [c for c in active if c.closed is None or c.closed > moment]
        for case, features in open_at(active, moment):
            rows.append((moment.date(), _snapshot(case, features, now)))
        moment += timedelta(days=SNAPSHOT_DAYS)
    return [(day, row) for day, row in rows if row.late is not None]


def _snapshot(case: Timeline, features: dict[str, Any], now: datetime) -> Snapshot:
    late = case.late
    if case.closed is None and case.due_at(now) < now.astimezone(TOKYO).date():
        late = True  # still open and already past due: it will be late whatever happens next
    return Snapshot(case.case_id, case.department, case.procedure, case.classification, features, late)


def build_pipeline() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, SplineTransformer

    columns = ColumnTransformer(
        [(name, OneHotEncoder(handle_unknown="ignore", sparse_output=False), [name]) for name in CATEGORICAL]
        + [(name, SplineTransformer(n_knots=5, degree=2, extrapolation="constant"), [name]) for name in NUMERIC]
    )
    return Pipeline([("columns", columns), ("model", LogisticRegression(C=1.0, max_iter=2000))])


def _frame(rows: Iterable[dict[str, Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame(list(rows), columns=FEATURES)


@dataclass
class RiskPredictor:
    """The fitted pipeline and the training means that turn a score into its reasons."""

    pipeline: Any
    means: Any

    @classmethod
    def fit(cls, rows: Sequence[dict[str, Any]], labels: Sequence[bool]) -> "RiskPredictor":
        pipeline = build_pipeline()
        frame = _frame(rows)
        pipeline.fit(frame, np.asarray(labels, dtype=int))
        means = pipeline.named_steps["columns"].transform(frame).mean(axis=0)
        return cls(pipeline, means)

    def scores(self, rows: Sequence[dict[str, Any]]) -> Any:
        return self.pipeline.predict_proba(_frame(rows))[:, 1]

    def reasons(self, rows: Sequence[dict[str, Any]], top: int = 3) -> list[list[tuple[str, Any]]]:
        """Per row, the features that raise its score most above an average case's, largest first."""
        columns = self.pipeline.named_steps["columns"]
        coef = self.pipeline.named_steps["model"].coef_[0]
        contributions = (columns.transform(_frame(rows)) - self.means) * coef
        result = []
        for row, values in zip(rows, contributions, strict=True):
            per_feature = [(float(values[columns.output_indices_[name]].sum()), name) for name in FEATURES]
            raised = sorted((c for c in per_feature if c[0] > 0.05), reverse=True)[:top]
            result.append([(name, row[name]) for _c, name in raised])
        return result

    def dump(self) -> bytes:
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def load(blob: bytes) -> "RiskPredictor":
        import joblib

        predictor = joblib.load(io.BytesIO(bytes(blob)))
        if not isinstance(predictor, RiskPredictor):
            raise TypeError("not a risk model")
        return predictor


@dataclass(frozen=True)
class Evaluation:
    held_back_from: date
    train_rows: int
    test_rows: int
    positive_rate: float
    auc: float | None
    brier: float | None
    calibration: list[list[float]]


def evaluate(rows: Sequence[tuple[date, Snapshot]]) -> Evaluation | None:
    """Fit on the earlier snapshots, score the later HELD_BACK_SHARE of them; None when too few."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    days = sorted({day for day, _ in rows})
    if len(days) < 8:
        return None
    cutoff = days[int(len(days) * (1 - HELD_BACK_SHARE))]
    train = [row for day, row in rows if day < cutoff]
    test = [row for day, row in rows if day >= cutoff]
    train_labels = [bool(r.late) for r in train]
    test_labels = np.asarray([bool(r.late) for r in test], dtype=int)
    if len(set(train_labels)) < 2 or len(set(test_labels.tolist())) < 2:
        return None
    predictor = RiskPredictor.fit([r.features for r in train], train_labels)
    predicted = predictor.scores([r.features for r in test])
    return Evaluation(
        held_back_from=cutoff,
        train_rows=len(train),
        test_rows=len(test),
        positive_rate=float(test_labels.mean()),
        auc=float(roc_auc_score(test_labels, predicted)),
        brier=float(brier_score_loss(test_labels, predicted)),
        calibration=calibration(test_labels, predicted),
    )


def calibration(labels: Any, predicted: Any, bins: int = CALIBRATION_BINS) -> list[list[float]]:
    """[mean predicted, observed rate, count] for bins of equal count (quantiles of the scores)."""
    order = np.argsort(predicted, kind="stable")
    result = []
    for part in np.array_split(order, bins):
        if len(part):
            result.append([float(predicted[part].mean()), float(labels[part].mean()), len(part)])
    return result
