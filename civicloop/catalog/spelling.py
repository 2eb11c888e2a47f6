# SPDX-License-Identifier: MPL-2.0
"""「もしかして」 / "Did you mean": a better search term when a search finds nothing.

Two sources, in order: the catalogue's own table of common misspellings (`misspellings` in a
procedure file: 住民表 → 住民票, which no measure of similarity would rank above 住民税), then
the edit distance between the folded query and the names and keywords of published procedures.
A suggestion is offered only if searching for it finds a procedure. Pure Python: the vocabulary
is a few hundred short terms and this runs only on an empty result, so a library such as
rapidfuzz would buy nothing measurable.
"""

import re
from dataclasses import dataclass

from civicloop.catalog.models import Procedure
from civicloop.core.text import fold

_WORD = re.compile(r"[A-Za-z]{4,}")


@dataclass(frozen=True)
class Vocabulary:
    misspellings: dict[str, str]  # folded wrong term -> right term as written in the catalogue
    terms: dict[str, str]  # folded term -> term as written


def vocabulary() -> Vocabulary:
    misspellings: dict[str, str] = {}
    terms: dict[str, str] = {}
    for definition in Procedure.objects.published().values_list("current_version__definition", flat=True):
        for right, wrongs in definition.get("misspellings", {}).items():
            misspellings.update({fold(wrong): right for wrong in wrongs})
            terms.setdefault(fold(right), right)  # the spelling the catalogue prefers (粗大ごみ, not 粗大ゴミ)
        names = definition["names"]
        for term in [names["ja"], *definition.get("keywords", []), *_WORD.findall(names["en"])]:
            terms.setdefault(fold(term), term)
    return Vocabulary(misspellings, terms)


def distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions each cost 1)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _allowed(length: int) -> int:
    # One slip in a short word (住民表, 印艦), two in a longer one; never so many that most
    # of the query is rewritten.
    return 1 if length <= 5 else 2 if length <= 10 else 3


def _nearest(folded: str, terms: dict[str, str]) -> str | None:
    allowed = _allowed(len(folded))
    best: tuple[int, int, str] | None = None
    for key, term in terms.items():
        if abs(len(key) - len(folded)) > allowed:
            continue
        d = distance(folded, key)
        if 0 < d <= allowed and (best is None or (d, len(key)) < best[:2]):
            best = (d, len(key), term)
    return best[2] if best else None


def suggest(query: str) -> str | None:
    """A term to search for instead of `query`, which found nothing; None if there is no good one."""
    folded = fold(query)
    if len(folded) < 2:
        return None
    vocab = vocabulary()
    suggestion = None
    for wrong, right in sorted(vocab.misspellings.items(), key=lambda pair: -len(pair[0])):
        if wrong in folded:
            suggestion = folded.replace(wrong, right) if wrong != folded else right
            break
    if suggestion is None:
        suggestion = _nearest(folded, vocab.terms)
    if suggestion is None or not Procedure.objects.published().search(suggestion).exists():
        return None
    return suggestion
