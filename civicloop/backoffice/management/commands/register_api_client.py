# SPDX-License-Identifier: MPL-2.0
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicloop.accounts.models import Department
from civicloop.backoffice import actions
from civicloop.backoffice.errors import BadClient
from civicloop.backoffice.scopes import SCOPES


class Command(BaseCommand):
    help = "Register an integration client of the back-office API; prints its client id and secret once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--department", action="append", required=True, help="department code (repeatable)")
        parser.add_argument("--clearance", default="OFFICIAL", choices=["OFFICIAL", "SECRET"])
        parser.add_argument("--scope", action="append", required=True, choices=sorted(SCOPES))
        parser.add_argument("--rate-limit", type=int, default=120, help="requests per minute (0: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = options["department"]
        departments = list(Department.objects.filter(code__in=codes))
        if missing := sorted(set(codes) - {d.code for d in departments}):
            raise CommandError(f"unknown departments: {', '.join(missing)}")
        try:
            registered = actions.register_client(
                name=options["name"],
                departments=departments,
                clearance=options["clearance"],
                scopes=options["scope"],
                rate_limit_per_minute=options["rate_limit"],
                by=None,
            )
        except BadClient as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id={registered.client_id}\nclient_secret={registered.client_secret}\n")
