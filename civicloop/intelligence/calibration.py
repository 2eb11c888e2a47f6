# SPDX-License-Identifier: MPL-2.0
"""Probabilities the routing threshold can trust: temperature scaling of a linear classifier.

Imported only when a model is built or loaded (`training.build_pipeline`, joblib), never when a
process starts: it imports scikit-learn and SciPy at the top, which take seconds.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold


class TemperatureScaled(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A linear classifier whose scores become probabilities through a softmax at one fitted temperature.

    The temperature minimises the log-loss of out-of-fold scores (`folds`-fold, stratified), so it
    measures how far the scores of unseen questions can be trusted; the classifier is then refitted
    on everything. Temperature scaling changes no ranking, only how sure the model says it is
    (Guo et al., "On Calibration of Modern Neural Networks", 2017).
    """

    def __init__(self, estimator: Any, folds: int = 3) -> None:
        self.estimator = estimator
        self.folds = folds

    def fit(self, features: Any, labels: Sequence[str]) -> "TemperatureScaled":
        y = np.asarray(labels)
        self.estimator_ = clone(self.estimator).fit(features, y)
        self.classes_ = self.estimator_.classes_
        self.temperature_ = 1.0
        folds = min(self.folds, int(np.unique(y, return_counts=True)[1].min()))
        if folds < 2:
            return self  # some class has a single example: nothing to hold out, temperature 1
        scores = np.zeros((len(y), len(self.classes_)))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(features, y):
            model = clone(self.estimator).fit(features[train], y[train])
            columns = np.searchsorted(self.classes_, model.classes_)
            scores[np.ix_(test, columns)] = _scores(model, features[test])
        self.temperature_ = _fit_temperature(scores, np.searchsorted(self.classes_, y))
        return self

    @property
    def coef_(self) -> Any:
        """The linear classifier's weights, one row per class (for the explanation of a suggestion)."""
        return self.estimator_.coef_

    def decision_function(self, features: Any) -> Any:
        return _scores(self.estimator_, features)

    def predict_proba(self, features: Any) -> Any:
        return softmax(self.decision_function(features) / self.temperature_, axis=1)

    def predict(self, features: Any) -> Any:
        return self.classes_[self.decision_function(features).argmax(axis=1)]


def _scores(estimator: Any, features: Any) -> Any:
    scores = estimator.decision_function(features)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _fit_temperature(scores: Any, truth: Any) -> float:
    rows = np.arange(len(truth))

    def log_loss(log_temperature: float) -> float:
        return float(-log_softmax(scores / np.exp(log_temperature), axis=1)[rows, truth].mean())

    # Searched on log T so that it stays positive; e^-5 … e^3 spans every useful sharpening.
    return float(np.exp(minimize_scalar(log_loss, bounds=(-5.0, 3.0), method="bounded").x))
