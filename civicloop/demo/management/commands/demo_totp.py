# SPDX-License-Identifier: MPL-2.0
"""Demo only: print the code a demo staff member's TOTP app would show now."""

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from civicloop.demo.staff_security import current_totp


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff member (demo installations only; run seed_demo first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="e.g. clerk-seiso")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code, seconds_left = current_totp(options["username"])
        except Authenticator.DoesNotExist as exc:
            raise CommandError(f"{options['username']} has no TOTP app; run seed_demo first") from exc
        self.stdout.write(code)
        self.stderr.write(f"valid for {seconds_left} more seconds (each code works once)")
