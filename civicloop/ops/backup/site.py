# SPDX-License-Identifier: MPL-2.0
"""Back up, restore and verify the whole site: the database, the stored files and the audit chain together.

A backup is a folder (docs/operations.md, "Backup and restore"):

    manifest.json          what the rest holds (manifest.py), written last
    database.dump          pg_dump --format=custom (PostgreSQL), or database.sqlite3 (SQLite)
    files/<name>           every stored file under its storage name

The database is copied first, then the files. Files are written before the rows that point at them
and never changed afterwards, so every row in the copy finds its file; a file stored meanwhile is
copied without a row, which is harmless (the orphaned-PDF sweep removes it after restore).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from civicloop.core.audit import Anchor, verify_chain
from civicloop.ops.backup import database, files
from civicloop.ops.backup.database import TargetNotEmpty
from civicloop.ops.backup.manifest import FILES_FOLDER, NAME, BackupUnreadable, Manifest, Stored, read_manifest


class BackupNewerThanCode(Exception):
    """The backup's database has migrations this code does not know: restore it with the code that made it."""


@dataclass(frozen=True)
class Difference:
    """One way the site differs from a backup's manifest, as a line for the operator."""

    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


def back_up_site(folder: Path) -> Manifest:
    """Write a backup of the configured database and storage to `folder` (new or empty); its manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    created_at = datetime.now(UTC).isoformat()
    database_file = database.file_name()
    facts = database.dump(folder / database_file)
    stored = files.copy_out(files.site_storage(), folder / FILES_FOLDER)
    manifest = Manifest(created_at, database_file, files.digest_local(folder / database_file), facts, stored)
    staging = folder / f".{NAME}"
    staging.write_text(manifest.to_json())
    staging.chmod(0o600)
    staging.rename(folder / NAME)  # the manifest appears whole, and only once everything else is there
    return manifest


def restore_site(folder: Path, *, replace: bool = False) -> Manifest:
    """Restore the backup in `folder` into the configured (empty) database and storage; its manifest.

    Refuses, before writing anything: a backup whose contents do not match its manifest
    (BackupUnreadable), a backup made by newer code (BackupNewerThanCode), and unless `replace`, a
    database with tables or a storage with files (TargetNotEmpty). With `replace` the database is
    replaced and files of the same name overwritten; other files stay.
    """
    manifest = read_manifest(folder)
    if unknown := database.unknown_migrations(manifest.facts.migrations):
        raise BackupNewerThanCode(
            f"the backup's database has migrations this code does not have ({', '.join(unknown)}): "
            "restore it with the release that made it, then upgrade"
        )
    storage = files.site_storage()
    if not replace:
        database.refuse_unless_empty()
        if (present := next(files.stored_names(storage), None)) is not None:
            raise TargetNotEmpty(f"the storage already holds files ({present}, …): pass --force to overwrite them")
    _check_backup(folder, manifest)
    database.restore(folder / manifest.database_file, replace=replace)
    files.copy_in(storage, folder / FILES_FOLDER, sorted(manifest.files), replace=replace)
    return manifest


def _check_backup(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest names is in the folder with its size and hash: a damaged backup is not restored."""
    wanted = {manifest.database_file: manifest.database} | {
        f"{FILES_FOLDER}/{name}": stored for name, stored in manifest.files.items()
    }
    for relative, expected in sorted(wanted.items()):
        try:
            found = files.digest_local(files.local_path(folder, relative))
        except (OSError, ValueError) as exc:
            raise BackupUnreadable(f"{relative}: cannot be read from the backup ({exc})") from None
        if found != expected:
            raise BackupUnreadable(f"{relative}: differs from the manifest (damaged or changed backup)")


def differences(manifest: Manifest) -> list[Difference]:
    """How the configured database, storage and audit chain differ from `manifest`: empty when they match."""
    now = database.current_facts()
    found = _table_differences(manifest.facts.tables, now.tables)
    found += _file_differences(manifest.files, files.digest_stored(files.site_storage()))
    found += _audit_differences(manifest)
    return found


def _table_differences(expected: dict[str, int], actual: dict[str, int]) -> list[Difference]:
    found = []
    for table in sorted(expected.keys() | actual.keys()):
        if table not in actual:
            found.append(Difference(f"table {table}", "missing"))
        elif table not in expected:
            found.append(Difference(f"table {table}", f"not in the backup ({actual[table]} rows)"))
        elif expected[table] != actual[table]:
            found.append(Difference(f"table {table}", f"{expected[table]} rows in the backup, {actual[table]} here"))
    return found


def _file_differences(expected: dict[str, Stored], actual: dict[str, Stored]) -> list[Difference]:
    found = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            found.append(Difference(f"file {name}", "missing"))
        elif name not in expected:
            found.append(Difference(f"file {name}", "not in the backup"))
        elif expected[name] != actual[name]:
            was, now = expected[name], actual[name]
            found.append(
                Difference(
                    f"file {name}",
                    f"content differs (backup {was.size} bytes, sha256 {was.sha256[:12]}…; "
                    f"here {now.size} bytes, sha256 {now.sha256[:12]}…)",
                )
            )
    return found


def _audit_differences(manifest: Manifest) -> list[Difference]:
    """The chain verified as verify_audit_chain does, and anchored at the head the backup recorded."""
    head = manifest.facts.audit
    anchor = Anchor("the backup's manifest", head.count, head.head_seq, head.head_hash)
    try:
        broken = verify_chain(anchors=[anchor])
    except ImproperlyConfigured as exc:
        return [Difference("audit chain", f"cannot be verified: {exc}")]
    if broken is None:
        return []
    return [Difference("audit chain", f"broken at entry {broken.seq}: {broken.reason}")]
