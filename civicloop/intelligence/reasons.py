# SPDX-License-Identifier: MPL-2.0
"""Why the router suggested a department, in terms a clerk can check (the staff inquiry page).

Three reasons beside each suggestion: the candidate departments with their calibrated
probabilities (stored with the inquiry when it was routed), the character n-grams of the text that
weighed most towards the first one (stored too), and the nearest training examples — questions
the model learned from that look most like this one, with the department they were taught to go
to. The last are computed when the page is shown, from the model version that routed the
inquiry: the same TF-IDF space, cosine similarity (TF-IDF rows are L2-normalised, so a dot
product). The examples' matrix is built once per process and version.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from civicloop.accounts.models import Department
from civicloop.intelligence import routing, training
from civicloop.intelligence.models import Inquiry

NEAREST = 3
MINIMUM_SIMILARITY = 0.15  # below this the "nearest" example shares little more than particles

HIGH_CONFIDENCE = 0.8
# N-grams across punctuation (「、どこ」) weigh in the model but tell a clerk nothing: not shown.
_PUNCTUATION = frozenset("、。，．,.!?！？・「」（）()　 ")

_examples_cache: dict[int, tuple[Any, list[training.Example]]] = {}


def confidence_level(confidence: float | None) -> str:
    """ "high", "medium", "low" or "none": medium from the routing threshold up (the model routes by itself)."""
    if confidence is None:
        return "none"
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    return "medium" if confidence >= settings.ROUTING_THRESHOLD else "low"


def confidence_in_words(confidence: float | None) -> str:
    """高・中・低 and the per cent, never a raw float where a clerk triages."""
    if confidence is None:
        return "—"
    word = {"high": _("High"), "medium": _("Medium"), "low": _("Low")}[confidence_level(confidence)]
    return _("%(word)s (%(percent)s)") % {"word": word, "percent": f"{round(confidence * 100)}%"}


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    probability: float

    @property
    def percent(self) -> int:
        return round(self.probability * 100)


@dataclass(frozen=True)
class NearExample:
    text: str
    department: str
    similarity: float


@dataclass(frozen=True)
class Reasons:
    candidates: list[Candidate]
    terms: list[str]
    examples: list[NearExample]


def reasons_for(inquiry: Inquiry) -> Reasons:
    """The candidates, telling terms and nearest examples behind the inquiry's suggestion."""
    names = {d.code: d.name for d in Department.objects.all()}
    candidates = [Candidate(str(code), names.get(str(code), str(code)), float(p)) for code, p in inquiry.top3[:3]]
    terms = [t for t in (str(t).strip() for t in inquiry.explanation) if t and not _PUNCTUATION.intersection(t)]
    return Reasons(candidates, terms, _nearest(inquiry, names))


def _nearest(inquiry: Inquiry, names: dict[str, str]) -> list[NearExample]:
    model = inquiry.model or routing.active_model()
    if model is None:
        return []
    router = routing.router_for(model)
    vectorizer: Any = router.department.named_steps["tfidf"]
    if model.pk not in _examples_cache:
        examples = training.load_examples()
        _examples_cache.clear()  # one version in memory, as routing does
        _examples_cache[model.pk] = (vectorizer.transform([e.text for e in examples]), examples)
    matrix, examples = _examples_cache[model.pk]
    similarities = (matrix @ vectorizer.transform([inquiry.text]).T).toarray().ravel()
    best = similarities.argsort()[::-1][:NEAREST]
    return [
        NearExample(examples[i].text, names.get(examples[i].department, examples[i].department), float(similarities[i]))
        for i in best
        if similarities[i] >= MINIMUM_SIMILARITY
    ]
