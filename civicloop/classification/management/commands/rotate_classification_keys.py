# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.classification import crypto
from civicloop.classification.actions import rotate_classification_keys


class Command(BaseCommand):
    help = (
        "Re-wrap every SECRET / TOP SECRET data key with the tier's newest key-encryption key "
        "(the first in CIVICLOOP_KEK_<TIER>). The encrypted data is not rewritten."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tier", choices=list(crypto.ENCRYPTED_TIERS), action="append", help="Only this tier.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-wrapped; change nothing.")
        parser.add_argument(
            "--new-demo-key",
            action="store_true",
            help="Demo keys only (DEBUG): first add a fresh demo key as the newest one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tiers = options["tier"] or list(crypto.ENCRYPTED_TIERS)
        if options["new_demo_key"]:
            self._new_demo_keys(tiers)
        try:
            results = rotate_classification_keys(tiers=tiers, dry_run=options["dry_run"])
        except crypto.KeyUnavailable as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            verb = "would re-wrap" if options["dry_run"] else "re-wrapped"
            self.stdout.write(
                f"{result.tier}: {verb} {result.rewrapped} data keys with {result.kek} ({result.checked} envelopes checked)"
            )

    def _new_demo_keys(self, tiers: list[str]) -> None:
        if not getattr(settings, "CLASSIFICATION_DEMO_KEYS", False):
            raise CommandError("--new-demo-key works with demo keys only (DEBUG); add a key to CIVICLOOP_KEK_<TIER>")
        stored = crypto.read_demo_keys()
        for tier in tiers:
            if settings.CLASSIFICATION_KEKS.get(tier):
                raise CommandError(f"{tier} keys come from CIVICLOOP_KEK_{tier}; add the new key there")
            existing = stored.get(tier) or []
            stored[tier] = [
                crypto.new_key_value(f"demo-{tier.lower().replace('_', '-')}-{len(existing) + 1}"),
                *existing,
            ]
        crypto.write_demo_keys(stored)
