# SPDX-License-Identifier: MPL-2.0
"""manage.py manage_api_clients create | list | rotate-secret | retire (docs/api.md, "Clients")."""

import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from civicloop.accounts.models import Department
from civicloop.backoffice import actions
from civicloop.backoffice.errors import BadClient
from civicloop.backoffice.models import IntegrationClient
from civicloop.backoffice.scopes import SCOPES


class Command(BaseCommand):
    help = (
        "Integration clients of the back-office API: create one (prints its client id and secret once), "
        "list them, rotate a secret (printed once; the old one and its tokens stop working) or retire one."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
        create = commands.add_parser("create", help="register a client")
        create.add_argument("name")
        create.add_argument("--department", action="append", required=True, help="department code (repeatable)")
        create.add_argument("--clearance", default="OFFICIAL", choices=["OFFICIAL", "SECRET"])
        create.add_argument("--scope", action="append", required=True, choices=sorted(SCOPES))
        create.add_argument("--rate-limit", type=int, default=120, help="requests per minute (0: none)")
        listing = commands.add_parser("list", help="every client, retired ones marked")
        listing.add_argument("--active", action="store_true", help="only clients that may still get tokens")
        for name, text in (("rotate-secret", "a new secret for a client"), ("retire", "retire a client at once")):
            command = commands.add_parser(name, help=text)
            command.add_argument("client", help="the client's id (client_id) or its public id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            match options["command"]:
                case "create":
                    self._create(options)
                case "list":
                    self._list(active_only=options["active"])
                case "rotate-secret":
                    rotated = actions.rotate_client_secret(client=_client(options["client"]), by=None)
                    self.stdout.write(f"client_id={rotated.client_id}\nclient_secret={rotated.client_secret}\n")
                case "retire":
                    retired = actions.deactivate_client(client=_client(options["client"]), by=None)
                    self.stdout.write(f"retired {retired.public_id} ({retired.name}): its tokens no longer work\n")
        except BadClient as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        codes = options["department"]
        departments = list(Department.objects.filter(code__in=codes))
        if missing := sorted(set(codes) - {d.code for d in departments}):
            raise CommandError(f"unknown departments: {', '.join(missing)}")
        registered = actions.register_client(
            name=options["name"],
            departments=departments,
            clearance=options["clearance"],
            scopes=options["scope"],
            rate_limit_per_minute=options["rate_limit"],
            by=None,
        )
        self.stdout.write(
            f"public_id={registered.client.public_id}\n"
            f"client_id={registered.client_id}\nclient_secret={registered.client_secret}\n"
        )

    def _list(self, *, active_only: bool) -> None:
        clients = IntegrationClient.objects.select_related("application", "service_user").order_by("name", "pk")
        if active_only:
            clients = clients.filter(is_active=True)
        for client in clients:
            user = client.service_user
            departments = ",".join(sorted(user.departments.values_list("code", flat=True)))
            self.stdout.write(
                "\t".join(
                    [
                        str(client.public_id),
                        client.application.client_id,
                        client.name,
                        "active" if client.is_active else "retired",
                        user.clearance,
                        departments,
                        " ".join(client.scopes),
                        f"{client.rate_limit_per_minute}/min",
                    ]
                )
                + "\n"
            )


def _client(reference: str) -> IntegrationClient:
    """By OAuth2 client_id or by public id (a UUID); a bad reference is the operator's error."""
    lookup = Q(application__client_id=reference)
    if _is_uuid(reference):
        lookup |= Q(public_id=reference)
    client = IntegrationClient.objects.filter(lookup).first()
    if client is None:
        raise CommandError(f"no integration client {reference!r}")
    return client


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
