# SPDX-License-Identifier: MPL-2.0
"""A procedure as the catalogue's lists show it (a card), all of them kept per catalogue version.

A search or a browse list reads only the codes that match from the database; the cards come from
the catalogue cache (versioned_cache.py), so a list does not load every matching procedure's whole
definition (the form schema included) to show its name and summary.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from civicloop.catalog import versioned_cache
from civicloop.catalog.models import Procedure, ProcedureVersion
from civicloop.core.language import is_english


@dataclass(frozen=True)
class Card:
    code: str
    name_ja: str
    name_en: str
    kind: str
    department_ja: str
    department_en: str
    summary: dict[str, str]

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja

    @property
    def department_name(self) -> str:
        return self.department_en if is_english() else self.department_ja

    @property
    def kind_label(self) -> str:
        return str(ProcedureVersion.Kind(self.kind).label)


def _all_cards() -> dict[str, Card]:
    cards = {}
    for procedure in Procedure.objects.published().select_related("current_version", "department"):
        version = procedure.current_version
        assert version is not None
        cards[procedure.code] = Card(
            code=procedure.code,
            name_ja=version.name_ja,
            name_en=version.name_en,
            kind=version.kind,
            department_ja=procedure.department.name_ja,
            department_en=procedure.department.name_en,
            summary=dict(version.definition.get("summary") or {}),
        )
    return cards


def cards(codes: Sequence[str]) -> list[Card]:
    """The cards of the published procedures `codes`, in that order."""
    by_code = versioned_cache.remember("cards", (), _all_cards)
    return [by_code[code] for code in codes if code in by_code]
