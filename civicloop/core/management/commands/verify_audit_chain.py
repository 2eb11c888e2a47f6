# SPDX-License-Identifier: MPL-2.0
"""`manage.py verify_audit_chain`: the hash chain, every entry's HMAC, and the chain against the signed checkpoints."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from civicloop.core.audit import verify_chain
from civicloop.core.audit_checkpoints import CheckpointInvalid, load_checkpoints
from civicloop.core.models import AuditEntry

# Exit codes (docs/operations.md). 2 is argparse's own, for a bad command line.
ENTRY_BROKEN = 1  # an entry was changed, removed, inserted, or its HMAC does not match
CHECKPOINT_CONTRADICTED = 3  # the chain does not contain a checkpoint's head: entries were removed
CHECKPOINT_INVALID = 4  # a checkpoint file is forged, changed or unreadable
CHECKPOINT_STALE = 5  # no checkpoint newer than --max-checkpoint-age-hours
NOT_CONFIGURED = 6  # no audit key, or no signing key to check the checkpoints with


class Command(BaseCommand):
    help = (
        "Check the audit log: the hash chain, each entry's HMAC under the audit key, and the chain against "
        "the signed checkpoints. Exit 0 when intact, else name the first broken entry or checkpoint."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--checkpoint-dir", type=Path, help="Read the checkpoints here (default: CIVICLOOP_AUDIT_CHECKPOINT_DIR)."
        )
        parser.add_argument(
            "--max-checkpoint-age-hours",
            type=float,
            help="Fail (exit 5) unless a checkpoint is at most this old: checkpointing must not have stopped.",
        )

    def handle(
        self, *args: Any, checkpoint_dir: Path | None = None, max_checkpoint_age_hours: float | None = None, **_: Any
    ) -> None:
        try:
            checkpoints = load_checkpoints(checkpoint_dir)
            broken = verify_chain(anchors=[checkpoint.anchor for checkpoint in checkpoints])
        except CheckpointInvalid as exc:
            raise CommandError(
                f"audit checkpoint {exc.name} is not valid: {exc.reason}", returncode=CHECKPOINT_INVALID
            ) from None
        except ImproperlyConfigured as exc:
            raise CommandError(f"cannot verify the audit chain: {exc}", returncode=NOT_CONFIGURED) from None
        if broken is not None and broken.anchor:
            raise CommandError(
                f"audit chain contradicts checkpoint {broken.anchor} at entry {broken.seq}: {broken.reason}",
                returncode=CHECKPOINT_CONTRADICTED,
            )
        if broken is not None:
            raise CommandError(f"audit chain broken at entry {broken.seq}: {broken.reason}", returncode=ENTRY_BROKEN)
        newest = max(checkpoints, key=lambda c: c.time, default=None)
        if max_checkpoint_age_hours is not None and (
            newest is None or newest.time < datetime.now(UTC) - timedelta(hours=max_checkpoint_age_hours)
        ):
            raise CommandError(
                f"no audit checkpoint in the last {max_checkpoint_age_hours:g} hours "
                f"(newest: {newest.name if newest else 'none'}); is checkpoint_audit_chain running?",
                returncode=CHECKPOINT_STALE,
            )
        summary = f"audit chain intact ({AuditEntry.objects.count()} entries)"
        if newest is None:
            summary += "; no checkpoints yet, so removing the newest entries would not show (checkpoint_audit_chain)"
        else:
            summary += f"; agrees with {len(checkpoints)} checkpoints, the newest {newest.name}"
        self.stdout.write(summary)
