# SPDX-License-Identifier: MPL-2.0
"""The stored files (attachments, signed PDFs, inquiry photos), read and written only through Django's storage API.

The same code backs up a folder and an S3 bucket (`STORAGES["default"]`, operations.md "Files
(attachments)"): it lists, opens and saves by name, never by path. Names starting with a dot are
not the site's files (the /readyz marker object, temporary files) and are left out.
"""

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, storages

from civicloop.ops.backup.manifest import Stored

_CHUNK = 1024 * 1024


def site_storage() -> Storage:
    return storages["default"]


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a media folder that nothing was ever written to
        return
    for name in sorted(files):
        if not name.startswith("."):
            yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        if not name.startswith("."):
            yield from stored_names(storage, f"{folder}/{name}" if folder else name)


def digest_stored(storage: Storage) -> dict[str, Stored]:
    """Size and SHA-256 of every stored file."""
    found = {}
    for name in stored_names(storage):
        with storage.open(name, "rb") as handle:
            found[name] = _copy(handle, None)
    return found


def copy_out(storage: Storage, folder: Path) -> dict[str, Stored]:
    """Copy every stored file to `folder`/<name> (mode 0600); their sizes and SHA-256."""
    copied = {}
    for name in stored_names(storage):
        target = local_path(folder, name)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, os.fdopen(_create(target), "wb") as sink:
            copied[name] = _copy(source, sink)
    return copied


def copy_in(storage: Storage, folder: Path, names: Iterator[str] | list[str], *, replace: bool) -> None:
    """Save each `folder`/<name> into the storage under exactly <name>; `replace` removes a file already there."""
    for name in names:
        if replace and storage.exists(name):
            storage.delete(name)
        with local_path(folder, name).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:  # the storage chose another name: a file of that name appeared meanwhile
            storage.delete(saved)
            raise FileExistsError(f"{name} exists in the storage already (saved as {saved}, then removed)")


def digest_local(path: Path) -> Stored:
    with path.open("rb") as handle:
        return _copy(handle, None)


def local_path(folder: Path, name: str) -> Path:
    """Where the backup keeps stored file `name`; refuses a name that would leave the folder."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or any(part in {"", ".", ".."} for part in parts):
        raise ValueError(f"refusing the stored file name {name!r}")
    return folder.joinpath(*parts)


def _create(path: Path) -> int:
    # Backups hold personal data: readable by the backup's owner only, and never over an older copy.
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def _copy(source: IO[bytes], sink: IO[bytes] | None) -> Stored:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return Stored(size, digest.hexdigest())
