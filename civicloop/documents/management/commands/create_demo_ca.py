# SPDX-License-Identifier: MPL-2.0
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from civicloop.core import keys


class Command(BaseCommand):
    help = (
        "Create the demo CA and the municipality's demo signing certificate in VAR_DIR/signing "
        "(once; --force replaces them, after which documents signed before no longer verify)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Replace an existing demo CA.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SIGNING_KEY_FILE or settings.SIGNING_CERT_FILE:
            self.stderr.write(
                "A signing key is configured (CIVICLOOP_SIGNING_KEY_FILE): the demo CA would not be used."
            )
        directory = keys.create_demo_ca(force=options["force"])
        root = x509.load_pem_x509_certificate((directory / keys.DEMO_ROOT_CERT).read_bytes())
        fingerprint = hashlib.sha256(root.public_bytes(serialization.Encoding.DER)).hexdigest()
        self.stdout.write(f"Demo CA in {directory}")
        self.stdout.write(f"Root certificate: {directory / keys.DEMO_ROOT_CERT}")
        self.stdout.write(f"Root SHA-256 fingerprint: {fingerprint}")
