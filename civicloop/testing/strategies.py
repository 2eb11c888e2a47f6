# SPDX-License-Identifier: MPL-2.0
"""Hypothesis strategies the form engine's tests share: any JSON, and any answers to a procedure."""

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from civicloop.catalog.definition import Definition

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=15,
)


def any_answers(data: st.DataObject, definitions: Sequence[Definition]) -> tuple[Definition, dict[str, Any]]:
    """One procedure, and anything under its top-level field names.

    One procedure per example keeps each input small (a draw over all 31 at once trips
    hypothesis's data-size health check now and then).
    """
    definition = data.draw(st.sampled_from(definitions))
    names = list(definition.schema["properties"])
    return definition, data.draw(st.dictionaries(st.sampled_from(names), json_values, max_size=len(names)))
