# SPDX-License-Identifier: MPL-2.0
"""The plain shapes of event fields, as SQL: what the set-based counts take, and shared pieces."""

from collections.abc import Iterable
from typing import Any

from civicloop.analytics.procedures import all_procedures
from civicloop.core.events import TYPE_PREFIX

# Durations at or above this go through the handlers (no bucket list is that long).
TOP_SECONDS = 1e12

# Shapes, as SQL over the event's `data`; {f} is the field. A missing field is SQL NULL, a JSON
# null is not: `data->'f' IS NULL` means "absent".
NAMED = "(jsonb_typeof(data->'{f}') = 'string' AND data->>'{f}' <> '')"  # a non-empty string
TEXT = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') = 'string')"  # str(data.get(f, ""))
TEXT_OR_NULL = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') IN ('string', 'null'))"  # str(data.get(f) or …)
# A number float() reads as itself: 0, or between 1e-300 and a top (float8 would reject what is
# smaller; Python reads it as 0). CASE, not AND: SQL does not promise to test before it casts.
NUMBER = (
    "(CASE WHEN data->'{f}' IS NULL THEN true WHEN jsonb_typeof(data->'{f}') <> 'number' THEN false "
    "WHEN (data->'{f}')::numeric = 0 THEN true "
    "ELSE abs((data->'{f}')::numeric) > 1e-300 AND abs((data->'{f}')::numeric) < {top} END)"
)
FLAG = "(data->'{f}' IS NULL OR jsonb_typeof(data->'{f}') IN ('boolean', 'null'))"  # if data.get(f)
# `application/<uuid>` in canonical form (counting.subject_key is then its tail), tested once per
# application and without a regular expression: `~` cost 7 µs a row, more than all else a draft needs.
APPLICATION_SUBJECT = (
    "(length(subject) = 48 AND left(subject, 12) = 'application/' "
    "AND translate(substr(subject, 13), '0123456789abcdef', '') = '----' AND substr(subject, 21, 1) = '-' "
    "AND substr(subject, 26, 1) = '-' AND substr(subject, 31, 1) = '-' AND substr(subject, 36, 1) = '-')"
)

# An empty string when absent or empty, as `str(data.get(f) or "")`.
OR_EMPTY = "COALESCE(data->>'{f}', '')"
# The procedure's department from the catalogue when the event names none (procedure_info).
DEPARTMENT = "COALESCE(NULLIF(data->>'department', ''), catalog.department, '')"


def names(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{TYPE_PREFIX}{kind}'" for kind in sorted(kinds))


def catalog_parameters() -> dict[str, Any]:
    """The catalogue's departments by procedure code, as query parameters (procedure_info's)."""
    procedures = all_procedures()
    return {"codes": [p.code for p in procedures], "departments": [p.department for p in procedures]}


CATALOG_JOIN = (
    "LEFT JOIN unnest(%(codes)s::text[], %(departments)s::text[]) AS catalog (code, department) "
    "ON catalog.code = core_event.data->>'procedure'"
)
KEY = "metric, month, department, procedure, classification, dim"
