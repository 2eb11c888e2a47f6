# SPDX-License-Identifier: MPL-2.0
"""What the analytics need from the catalogue about each procedure, read once and kept per process.

Events carry procedure codes; names, departments, standard periods, form steps and life events
come from the current version of each procedure.
"""

import time
from dataclasses import dataclass, field

from civicloop.catalog.models import Procedure
from civicloop.core.language import is_english
from civicloop.core.models import Classification

_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class ProcedureInfo:
    code: str
    department: str
    name_ja: str
    name_en: str
    kind: str  # application | notification
    workflow: str
    classification: str
    standard_days: int
    day_kind: str  # business | calendar
    steps: tuple[tuple[str, str, str], ...] = ()  # (id, ja, en)
    answers: tuple[str, ...] = ()  # the form's top-level answer names, step by step
    life_events: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja


def _unknown(code: str) -> ProcedureInfo:
    return ProcedureInfo(code, "", code, code, "application", "application", Classification.OFFICIAL, 0, "calendar")


class _Catalog:
    def __init__(self) -> None:
        self.loaded_at = 0.0
        self.by_code: dict[str, ProcedureInfo] = {}

    def load(self) -> None:
        infos = {}
        for procedure in Procedure.objects.select_related("current_version", "department").prefetch_related(
            "life_events"
        ):
            version = procedure.current_version
            if version is None:
                continue
            definition = version.definition
            processing = definition.get("processing", {})
            infos[procedure.code] = ProcedureInfo(
                code=procedure.code,
                department=procedure.department.code,
                name_ja=version.name_ja,
                name_en=version.name_en,
                kind=version.kind,
                workflow=str(definition.get("workflow", "application")),
                classification=version.classification,
                standard_days=int(processing.get("days", 0)),
                day_kind=str(processing.get("day_kind", "calendar")),
                steps=tuple(
                    (s["id"], s["title"]["ja"], s["title"].get("en", s["title"]["ja"]))
                    for s in definition.get("form", {}).get("steps", [])
                ),
                life_events=tuple(sorted(le.code for le in procedure.life_events.all())),
                answers=tuple(
                    name for s in definition.get("form", {}).get("steps", []) for name in s.get("fields", [])
                ),
            )
        self.by_code = infos
        self.loaded_at = time.monotonic()

    def get(self, code: str) -> ProcedureInfo:
        age = time.monotonic() - self.loaded_at
        # A code we do not know may be a procedure loaded since: reload, but at most once a second.
        if age > _CACHE_SECONDS or (code and code not in self.by_code and age > 1.0):
            self.load()
        return self.by_code.get(code) or _unknown(code)

    def all(self) -> list[ProcedureInfo]:
        if time.monotonic() - self.loaded_at > _CACHE_SECONDS:
            self.load()
        return list(self.by_code.values())


catalog = _Catalog()


def procedure_info(code: str) -> ProcedureInfo:
    return catalog.get(code)


def all_procedures() -> list[ProcedureInfo]:
    return catalog.all()


def reset_cache() -> None:
    """Forget what was read (tests load a different catalogue into a fresh database)."""
    catalog.loaded_at = 0.0
    catalog.by_code = {}
