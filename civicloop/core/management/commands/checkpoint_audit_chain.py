# SPDX-License-Identifier: MPL-2.0
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from civicloop.core.audit_checkpoints import write_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain (its count and head hash, now) to "
        "CIVICLOOP_AUDIT_CHECKPOINT_DIR. `manage.py worker` does this every "
        "CIVICLOOP_AUDIT_CHECKPOINT_INTERVAL_SECONDS; run it from cron without the worker."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--checkpoint-dir", type=Path, help="Write here instead of the configured folder.")

    def handle(self, *args: Any, checkpoint_dir: Path | None = None, **options: Any) -> None:
        checkpoint = write_checkpoint(directory=checkpoint_dir)
        self.stdout.write(
            f"checkpoint {checkpoint.name}: {checkpoint.count} entries, "
            f"head entry {checkpoint.head_seq} ({checkpoint.head_hash[:12]}…)"
        )
