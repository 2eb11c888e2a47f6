# SPDX-License-Identifier: MPL-2.0
"""Index changes that keep the site writable while they run (docs/operations.md, "Upgrades").

On PostgreSQL, indexes are built and dropped CONCURRENTLY, so a migration on a table of millions
of rows neither blocks the submissions arriving meanwhile nor re-validates foreign keys (which
Django's own AlterField does when a foreign key loses its index). Elsewhere (SQLite) the same
statements without CONCURRENTLY. Used from migrations with `atomic = False`, as the database
half of a `SeparateDatabaseAndState` whose state half is what `makemigrations` wrote.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

IndexChange = Callable[[Any, BaseDatabaseSchemaEditor], None]


def _concurrently(schema_editor: BaseDatabaseSchemaEditor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def drop_indexes(names: Sequence[str]) -> IndexChange:
    """Drop the named indexes, where they exist (Django names them alike on every database)."""

    def run(_apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        quote = schema_editor.quote_name
        for name in names:
            schema_editor.execute(f"DROP INDEX{_concurrently(schema_editor)} IF EXISTS {quote(name)}")

    return run


def add_indexes(app_label: str, model_name: str, indexes: Sequence[models.Index]) -> IndexChange:
    """Build `indexes` on the model as it is at this point of the migrations."""

    def run(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        for index in indexes:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.add_index(model, index, concurrently=True)  # type: ignore[call-arg]
            else:
                schema_editor.add_index(model, index)

    return run


def both(*changes: IndexChange) -> IndexChange:
    """The changes one after the other (RunPython takes one function each way)."""

    def run(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for change in changes:
            change(apps, schema_editor)

    return run
