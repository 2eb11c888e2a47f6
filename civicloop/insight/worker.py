# SPDX-License-Identifier: MPL-2.0
"""Background work: refit the forecasts and retrain the risk model weekly, rescore open cases hourly.

Each gate is claimed in the database (`core.periodic`), so however many worker processes run,
the site refits once per interval.
"""

import logging
from collections.abc import Callable

from django.conf import settings

from civicloop.core import periodic
from civicloop.insight import actions

logger = logging.getLogger(__name__)


def run_once() -> int:
    """A worker task; returns the number of jobs it ran."""
    done = 0
    if periodic.claim("insight.fit_forecasts", every_seconds=settings.INSIGHT_RETRAIN_SECONDS):
        done += _guarded(actions.fit_forecasts)
    if periodic.claim("insight.train_risk_model", every_seconds=settings.INSIGHT_RETRAIN_SECONDS):
        done += _guarded(actions.train_risk_model)  # scores the open cases too
    elif periodic.claim("insight.score_open_cases", every_seconds=settings.INSIGHT_SCORE_SECONDS):
        done += _guarded(actions.score_open_cases)
    return done


def _guarded(job: Callable[[], object]) -> int:
    try:
        job()
    except actions.NotEnoughHistory as exc:
        logger.info("insight: skipped, %s", exc)
        return 0
    return 1
