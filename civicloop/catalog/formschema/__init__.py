# SPDX-License-Identifier: MPL-2.0
"""The form engine: a procedure's JSON Schema (2020-12) becomes fields, parsed posts and errors.

Field names are dotted paths into the answers ("collection.address.postal_code", array items by
index: "children.0.birthdate"). The schema's own `title`/`description` are Japanese; x-title-en,
x-description-en, x-choices, x-widget and friends are annotations documented in
procedures/_shared/defs.yaml. Everything here is pure: no database, no request.

- fields.py      the schema read as FieldSpecs: kinds, labels, choices, nesting ($ref resolved)
- parsing.py     parse_post: form data → answers; storable_problem for answers from the API
- validation.py  validate: Draft 2020-12 plus `x-date-rule`, one message per field; errors_for
- messages.py    what an error says, with the field's label in context
- binding.py     bind: a field with its value and error for the step templates (BoundField)
- summary.py     condition_holds for `when`, summarize for check-your-answers pages
"""

from civicloop.catalog.formschema.binding import BoundField, bind
from civicloop.catalog.formschema.fields import Answers, FieldSpec, Schema, field_specs, iter_fields, resolve
from civicloop.catalog.formschema.parsing import parse_post, storable_problem
from civicloop.catalog.formschema.summary import SummaryRow, condition_holds, display_value, lookup, summarize
from civicloop.catalog.formschema.validation import errors_for, validate

__all__ = [
    "Answers",
    "BoundField",
    "FieldSpec",
    "Schema",
    "SummaryRow",
    "bind",
    "condition_holds",
    "display_value",
    "errors_for",
    "field_specs",
    "iter_fields",
    "lookup",
    "parse_post",
    "resolve",
    "storable_problem",
    "summarize",
    "validate",
]
