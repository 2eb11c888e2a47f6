# SPDX-License-Identifier: MPL-2.0
"""manifest.json: what a backup holds, so a restore can be checked against it.

    {"format": "civicloop-backup", "version": 1, "created_at": "2026-…+00:00",
     "database": {"vendor": "postgresql", "file": "database.dump", "size": …, "sha256": …},
     "migrations": {"cases": ["0042_…"], …},          # the heads applied in the backed-up database
     "tables": {"cases_case": 1203, …},                # rows per table, from the dump's own snapshot
     "files": {"documents/<uuid>.pdf": {"size": …, "sha256": …}, …},
     "audit": {"count": …, "head_seq": …, "head_hash": …}}

The manifest is written last: a folder without one is an unfinished backup.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMAT = "civicloop-backup"
VERSION = 1
NAME = "manifest.json"
FILES_FOLDER = "files"


class BackupUnreadable(Exception):
    """The folder holds no readable manifest of a version this code knows, or its content does not match it."""


@dataclass(frozen=True)
class Stored:
    """One file's size and SHA-256 (a stored file, or the database dump)."""

    size: int
    sha256: str


@dataclass(frozen=True)
class AuditHead:
    count: int
    head_seq: int
    head_hash: str


@dataclass(frozen=True)
class DatabaseFacts:
    """What a database held at one moment: read in the same snapshot as its dump."""

    vendor: str
    migrations: dict[str, list[str]]
    tables: dict[str, int]
    audit: AuditHead


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database_file: str
    database: Stored
    facts: DatabaseFacts
    files: dict[str, Stored]

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": self.created_at,
            "database": {"vendor": self.facts.vendor, "file": self.database_file, **asdict(self.database)},
            "migrations": self.facts.migrations,
            "tables": self.facts.tables,
            "files": {name: asdict(stored) for name, stored in sorted(self.files.items())},
            "audit": asdict(self.facts.audit),
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def read_manifest(path: Path) -> Manifest:
    """The manifest at `path` (the file, or the backup folder holding it); BackupUnreadable if it is not one."""
    path = path / NAME if path.is_dir() else path
    try:
        document = json.loads(path.read_text())
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise BackupUnreadable(f"{path} is not a version {VERSION} civicloop backup manifest")
        return _parse(document)
    except OSError as exc:
        raise BackupUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupUnreadable(f"{path} is malformed ({exc.__class__.__name__}: {exc})") from None


def _parse(document: dict[str, Any]) -> Manifest:
    database = document["database"]
    facts = DatabaseFacts(
        vendor=str(database["vendor"]),
        migrations={str(app): [str(name) for name in names] for app, names in document["migrations"].items()},
        tables={str(table): int(count) for table, count in document["tables"].items()},
        audit=AuditHead(**{key: document["audit"][key] for key in ("count", "head_seq", "head_hash")}),
    )
    return Manifest(
        created_at=str(document["created_at"]),
        database_file=str(database["file"]),
        database=Stored(int(database["size"]), str(database["sha256"])),
        facts=facts,
        files={str(name): Stored(int(item["size"]), str(item["sha256"])) for name, item in document["files"].items()},
    )
