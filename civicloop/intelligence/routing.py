# SPDX-License-Identifier: MPL-2.0
"""Suggestions from the active routing model, cached per process by model version."""

from dataclasses import dataclass

from django.conf import settings

from civicloop.intelligence import training
from civicloop.intelligence.models import RoutingModel

_cache: dict[int, training.Router] = {}


@dataclass(frozen=True)
class Suggestion:
    department: str
    confidence: float
    top3: list[tuple[str, float]]
    explanation: list[str]
    procedure: str
    model: RoutingModel


def active_model() -> RoutingModel | None:
    return RoutingModel.objects.filter(is_active=True).defer("artifact").order_by("-version").first()


def router_for(model: RoutingModel) -> training.Router:
    if model.pk not in _cache:
        blob = RoutingModel.objects.values_list("artifact", flat=True).get(pk=model.pk)
        _cache.clear()  # keep one version in memory
        _cache[model.pk] = training.loads(bytes(blob))
    return _cache[model.pk]


def suggest(texts: list[str]) -> list[Suggestion] | None:
    """Suggestions for each text, or None when suggestions are switched off or no model is trained."""
    if not settings.ROUTING_SUGGESTIONS_ENABLED:
        return None
    model = active_model()
    if model is None:
        return None
    router = router_for(model)
    predictions = training.predict(router.department, texts)
    return [
        Suggestion(
            department=p.department,
            confidence=p.confidence,
            top3=p.top3,
            explanation=p.explanation,
            procedure=training.suggest_procedure(router, text, p.department),
            model=model,
        )
        for text, p in zip(texts, predictions, strict=True)
    ]
