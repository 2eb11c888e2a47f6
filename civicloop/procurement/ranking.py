# SPDX-License-Identifier: MPL-2.0
"""The ranking of a tender's opened bids, computed from the criteria's weights.

Each criterion gives a bid 0–10 points:
- the price criterion: 10 × the lowest opened price ÷ this bid's price (the cheapest gets 10);
- any other: the moderated score where there is one, else the mean of the submitted sheets of
  evaluators who declared no conflict.
The total is Σ weight × points ÷ 10, out of 100. Ties go to the lower price, then the earlier bid.
A lowest-price tender ranks by price alone (its one criterion is the price, weight 100).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from civicloop.procurement.models import MAX_SCORE, Bid, Criterion, Moderation, Score, Tender

_CENT = Decimal("0.01")


@dataclass
class Ranked:
    bid: Bid
    points: dict[int, Decimal] = field(default_factory=dict)  # criterion id → 0–10
    total: Decimal = Decimal(0)
    rank: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "bid": str(self.bid.public_id),
            "supplier": str(self.bid.supplier.public_id),
            "price": self.bid.price,
            "total": str(self.total),
            "rank": self.rank,
            "points": {str(k): str(v) for k, v in self.points.items()},
        }


def _price_points(price: int, lowest: int) -> Decimal:
    return (Decimal(MAX_SCORE) * lowest / price).quantize(_CENT, ROUND_HALF_UP) if price else Decimal(0)


def _quality_points(bid: Bid, criterion: Criterion) -> Decimal:
    moderated = Moderation.objects.filter(bid=bid, criterion=criterion).order_by("-moderated_at").first()
    if moderated is not None:
        return Decimal(moderated.points)
    scores = Score.objects.filter(
        sheet__bid=bid,
        sheet__submitted_at__isnull=False,
        sheet__evaluator__conflict__has_conflict=False,
        criterion=criterion,
    ).values_list("points", flat=True)
    values = list(scores)
    return (Decimal(sum(values)) / len(values)).quantize(_CENT, ROUND_HALF_UP) if values else Decimal(0)


def rank_bids(tender: Tender) -> list[Ranked]:
    """The opened bids of `tender`, best first, with each criterion's points and the weighted total."""
    bids = list(tender.bids.valid().select_related("supplier"))
    criteria = list(tender.criteria.all())
    lowest = min((b.price for b in bids if b.price), default=0)
    ranked = []
    for bid in bids:
        entry = Ranked(bid)
        for criterion in criteria:
            points = _price_points(bid.price or 0, lowest) if criterion.is_price else _quality_points(bid, criterion)
            entry.points[criterion.pk] = points
            entry.total += Decimal(criterion.weight) * points / MAX_SCORE
        entry.total = entry.total.quantize(_CENT, ROUND_HALF_UP)
        ranked.append(entry)
    ranked.sort(key=lambda r: (-r.total, r.bid.price or 0, r.bid.submitted_at))
    for position, entry in enumerate(ranked, start=1):
        entry.rank = position
    return ranked
