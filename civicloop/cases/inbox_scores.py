# SPDX-License-Identifier: MPL-2.0
"""A score per case that a higher app computes and the inbox shows and sorts by (the SLA risk).

cases sits below the apps that score cases (civicloop.insight), so it cannot import them: the
scoring app registers an `InboxScore` when it starts (its AppConfig.ready), and the inbox asks
`registered()`. With none registered, the inbox has no score column and no sort by score.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class ScoreCell:
    """What one inbox row shows: the score as a percentage, its level, and the reasons in words."""

    percent: int
    level: str  # low | medium | high
    reasons: list[str]


@dataclass(frozen=True)
class InboxScore:
    # Orders a queryset of cases by the score, highest first (cases without a score last).
    order_by_score: Callable[[QuerySet[Any]], QuerySet[Any]]
    # The cells of the listed cases, by case primary key (one query for the page).
    cells: Callable[[Sequence[Any]], dict[int, ScoreCell]]


_registered: list[InboxScore] = []


def register(score: InboxScore) -> None:
    _registered[:] = [score]


def registered() -> InboxScore | None:
    return _registered[0] if _registered else None
