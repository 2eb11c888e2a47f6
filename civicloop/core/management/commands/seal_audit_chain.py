# SPDX-License-Identifier: MPL-2.0
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicloop.core.audit import ChainNotSealable, seal_legacy_entries
from civicloop.core.audit_checkpoints import CheckpointInvalid, load_checkpoints


class Command(BaseCommand):
    help = (
        "Once, after upgrading: give the audit entries written before the audit key existed their HMAC. "
        "Refuses a broken chain; records an audit.chain_sealed entry."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--checkpoint-dir", type=Path, help="Check against the checkpoints here first.")

    def handle(self, *args: Any, checkpoint_dir: Path | None = None, **options: Any) -> None:
        try:
            anchors = [checkpoint.anchor for checkpoint in load_checkpoints(checkpoint_dir)]
            sealed = seal_legacy_entries(actor="system", anchors=anchors)
        except (ChainNotSealable, CheckpointInvalid) as exc:
            raise CommandError(f"not sealed: {exc}") from None
        if not sealed:
            self.stdout.write("nothing to seal: every audit entry has its HMAC")
        else:
            self.stdout.write(f"sealed {sealed} audit entries; recorded as audit.chain_sealed")
