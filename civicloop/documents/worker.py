# SPDX-License-Identifier: MPL-2.0
"""Background work: remove stored PDFs that no document row refers to.

`issue.issue_document` writes the file before its row, inside the caller's transaction; if that
transaction rolls back after the function returned, the file stays behind with nothing pointing
to it. Files older than the grace period (far longer than any transaction) without a row go.
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from civicloop.core import periodic
from civicloop.documents.models import IssuedDocument

logger = logging.getLogger(__name__)

FOLDER = "documents"
GRACE = timedelta(hours=1)
INTERVAL_SECONDS = 600  # listing the folder is not free: sweep every ten minutes, not every loop
CHUNK = 500
PERIODIC_NAME = "documents.sweep_orphans"


def run_once() -> int:
    """A worker task; sweeps at most every INTERVAL_SECONDS for the whole site. Returns files removed.

    The interval is claimed in the database (`core.periodic`): with several worker processes
    (Celery), one of them lists the folder (or the bucket) per interval, not each of them.
    """
    if not periodic.claim(PERIODIC_NAME, every_seconds=INTERVAL_SECONDS):
        return 0
    return sweep_orphans()


def sweep_orphans(now: datetime | None = None, grace: timedelta = GRACE) -> int:
    """Delete files in documents/ older than `grace` that no IssuedDocument refers to."""
    now = now or timezone.now()
    try:
        _dirs, files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    stems: dict[str, str] = {}
    for name in files:
        try:
            stems[str(uuid.UUID(name.removesuffix(".pdf")))] = f"{FOLDER}/{name}"
        except ValueError:
            continue  # not ours: leave it alone
    known: set[str] = set()
    ids = list(stems)
    for start in range(0, len(ids), CHUNK):
        rows = IssuedDocument.objects.filter(public_id__in=ids[start : start + CHUNK])
        known.update(str(public_id) for public_id in rows.values_list("public_id", flat=True))
    removed = 0
    for stem, path in stems.items():
        if stem in known or default_storage.get_modified_time(path) > now - grace:
            continue
        default_storage.delete(path)
        removed += 1
        logger.warning("removed unreferenced document file %s (its transaction rolled back)", path)
    return removed
