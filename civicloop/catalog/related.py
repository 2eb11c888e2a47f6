# SPDX-License-Identifier: MPL-2.0
"""「あわせて必要になることが多い手続き」: curated in the catalogue, measured where not.

A procedure file's `related` list is the answer when it has one (an empty list means "reviewed:
none"). Without it, procedures are scored by what they share — life events, the department and
search keywords — each weighted by how rare it is in the catalogue (a life event half the
catalogue belongs to says little), and only those above a cutoff are shown: an empty section is
better than a list of unrelated procedures.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from civicloop.catalog import versioned_cache
from civicloop.catalog.models import Procedure
from civicloop.core.language import is_english
from civicloop.core.text import fold

LIMIT = 6
# Checked by hand on the shipped catalogue with every `related` list removed (test_related.py):
# one rare shared life event or keyword alone (≈1.9–2.7) is not enough; two signals are.
CUTOFF = 3.5
SAME_DEPARTMENT = 1.0


@dataclass(frozen=True)
class Link:
    """A related procedure as its page shows it: the code and both names, nothing per user."""

    code: str
    name_ja: str
    name_en: str

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja


@dataclass(frozen=True)
class Profile:
    code: str
    department: str
    life_events: frozenset[str]
    terms: frozenset[str]


def profile(procedure: Procedure) -> Profile:
    version = procedure.current_version
    assert version is not None
    definition = version.definition
    terms = {fold(k) for k in definition.get("keywords", [])} | {fold(version.name_ja)}
    return Profile(
        code=procedure.code,
        department=procedure.department.code,
        life_events=frozenset(e.code for e in procedure.life_events.all()),
        terms=frozenset(t for t in terms if len(t) >= 2),
    )


def _rarity(sets: Iterable[frozenset[str]]) -> dict[str, float]:
    sets = list(sets)
    counts = Counter(item for s in sets for item in s)
    return {item: math.log(len(sets) / n) for item, n in counts.items()}


def measured(target: Profile, others: Sequence[Profile], *, limit: int = LIMIT) -> list[tuple[str, float]]:
    """The codes of `others` most related to `target`, best first, each above CUTOFF, with its score."""
    everyone = [target, *others]
    event_weight = _rarity(p.life_events for p in everyone)
    term_weight = _rarity(p.terms for p in everyone)
    scored = []
    for other in others:
        if other.code == target.code:
            continue
        score = sum(event_weight[e] for e in target.life_events & other.life_events)
        score += sum(term_weight[t] for t in target.terms & other.terms)
        score += SAME_DEPARTMENT if other.department == target.department else 0.0
        if score >= CUTOFF:
            scored.append((other.code, round(score, 2)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]


def related_procedures(procedure: Procedure) -> list[Procedure]:
    """The procedures to show under 「あわせて必要になることが多い手続き」 on `procedure`'s page."""
    published = list(
        Procedure.objects.published().select_related("current_version", "department").prefetch_related("life_events")
    )
    by_code = {p.code: p for p in published}
    assert procedure.current_version is not None
    curated = procedure.current_version.definition.get("related")
    if curated is not None:
        return [by_code[code] for code in curated if code in by_code and code != procedure.code][:LIMIT]
    target = by_code.get(procedure.code)
    if target is None:
        return []
    others = [profile(p) for p in published if p.code != procedure.code]
    return [by_code[code] for code, _score in measured(profile(target), others)]


def related_links(procedure: Procedure) -> list[Link]:
    """`related_procedures(procedure)` as links, computed once per catalogue version.

    The list changes only when the catalogue does, and computing it reads every published
    procedure's definition: per page view it was a third of the web workers' CPU.
    """

    def compute() -> list[Link]:
        links = []
        for other in related_procedures(procedure):
            assert other.current_version is not None
            links.append(Link(other.code, other.current_version.name_ja, other.current_version.name_en))
        return links

    return versioned_cache.remember("related", (procedure.code,), compute)
