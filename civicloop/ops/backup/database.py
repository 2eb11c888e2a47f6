# SPDX-License-Identifier: MPL-2.0
"""The database half of a backup: one consistent copy, and the facts (rows, migrations, audit head) of that copy.

PostgreSQL: `pg_dump --format=custom` reading a snapshot exported by a REPEATABLE READ transaction
that counts the rows in the same snapshot, so the manifest describes exactly what the dump holds
while the site keeps writing. SQLite: the online backup API copies the file page by page, and the
facts are read from the copy. The connection is Django's `default` (DATABASE_URL).
"""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from civicloop.core.audit import GENESIS
from civicloop.core.models import AuditEntry
from civicloop.ops.backup.manifest import AuditHead, DatabaseFacts

MIGRATIONS_TABLE = "django_migrations"


class DatabaseToolFailed(Exception):
    """pg_dump or pg_restore is missing or failed; the message says which and why."""


class TargetNotEmpty(Exception):
    """A restore was pointed at a database or storage that already holds data."""


class Cursor(Protocol):
    def execute(self, sql: str) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


def file_name() -> str:
    return "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"


def dump(target: Path) -> DatabaseFacts:
    """Copy the configured database to `target` (a new file); the facts of that copy."""
    if connection.vendor == "postgresql":
        return _dump_postgresql(target)
    if connection.vendor == "sqlite":
        return _dump_sqlite(target)
    raise NotImplementedError(f"backing up a {connection.vendor} database")


def _dump_postgresql(target: Path) -> DatabaseFacts:
    pg_dump = _tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        # The first statement of the transaction, so the snapshot below is the one everything reads.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = read_facts(cursor, "postgresql", connection.introspection.table_names(cursor))
        # The snapshot lives as long as this transaction: pg_dump must run inside it.
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", "--no-password"])
    os.chmod(target, 0o600)
    return facts


def _dump_sqlite(target: Path) -> DatabaseFacts:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        tables = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        facts = read_facts(copy.cursor(), "sqlite", [name for name in tables if not name.startswith("sqlite_")])
    finally:
        copy.close()
    os.chmod(target, 0o600)
    return facts


def restore(source: Path, *, replace: bool) -> None:
    """Load the dump at `source` into the configured database, which must have no tables unless `replace`."""
    if not replace:
        refuse_unless_empty()
    if connection.vendor == "postgresql":
        pg_restore = _tool("pg_restore")
        clean = ["--clean", "--if-exists"] if replace else []
        # One transaction: a restore that fails half-way leaves the database as it was.
        name = str(connection.settings_dict["NAME"])
        options = ["--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", "--no-password", *clean]
        _run([pg_restore, *options, f"--dbname={name}", str(source)])
        connection.close()  # forget anything cached about the database before the restore
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            backup.backup(connection.connection)
        finally:
            backup.close()
    else:
        raise NotImplementedError(f"restoring a {connection.vendor} database")


def refuse_unless_empty() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise TargetNotEmpty(
            f"the database {connection.settings_dict['NAME']} already has {len(tables)} tables "
            f"({', '.join(tables[:3])}, …): restore into a new, empty database, or pass --force to replace it"
        )


def current_facts() -> DatabaseFacts:
    """The facts of the configured database as it is now."""
    with connection.cursor() as cursor:
        return read_facts(cursor, connection.vendor, connection.introspection.table_names(cursor))


def read_facts(cursor: Cursor, vendor: str, tables: Iterable[str]) -> DatabaseFacts:
    """Rows per table, applied migration heads and the audit chain's head, read through `cursor`."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    applied: set[tuple[str, str]] = set()
    if MIGRATIONS_TABLE in counts:
        cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE}")  # noqa: S608 - a constant
        applied = {(str(app), str(name)) for app, name in cursor.fetchall()}
    audit_table = AuditEntry._meta.db_table
    head = AuditHead(count=counts.get(audit_table, 0), head_seq=0, head_hash=GENESIS)
    if head.count:
        cursor.execute(f"SELECT seq, hash FROM {_quote(audit_table)} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        seq, digest = cursor.fetchone()
        head = AuditHead(count=head.count, head_seq=int(seq), head_hash=str(digest))
    return DatabaseFacts(vendor=vendor, migrations=migration_heads(applied), tables=counts, audit=head)


def migration_heads(applied: set[tuple[str, str]]) -> dict[str, list[str]]:
    """Per app, the applied migrations no other applied migration of that app builds on."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    heads: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        node = graph.node_map.get((app, name))
        children = {child.key for child in node.children} if node else set()
        if not any(child in applied and child[0] == app for child in children):
            heads.setdefault(app, []).append(name)
    return heads


def unknown_migrations(heads: dict[str, list[str]]) -> list[str]:
    """The heads this code has no migration for: the backup was made by newer code."""
    known = MigrationLoader(None, ignore_no_migrations=True).graph.nodes
    return [f"{app}.{name}" for app, names in sorted(heads.items()) for name in names if (app, name) not in known]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseToolFailed(
            f"{name} was not found on PATH: install the PostgreSQL client tools of the server's major "
            "version or newer (Debian: apt install postgresql-client)"
        )
    return found


def _run(command: list[str]) -> None:
    """Run a PostgreSQL client tool against the configured database; DatabaseToolFailed with its stderr."""
    done = subprocess.run(command, env=_libpq_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise DatabaseToolFailed(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _libpq_environment() -> dict[str, str]:
    """The connection settings as libpq variables: the password never appears on a command line."""
    settings = connection.settings_dict
    values = {
        "PGHOST": settings.get("HOST"),
        "PGPORT": settings.get("PORT"),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGDATABASE": settings.get("NAME"),
        "PGSSLMODE": settings.get("OPTIONS", {}).get("sslmode"),
    }
    return os.environ | {name: str(value) for name, value in values.items() if value}
