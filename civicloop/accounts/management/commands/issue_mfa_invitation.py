# SPDX-License-Identifier: MPL-2.0
"""Bootstrap: invite a member of staff to enrol a second factor, from the server console."""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicloop.accounts import actions
from civicloop.accounts.models import User


class Command(BaseCommand):
    help = (
        "Issue a one-time invitation for a member of staff to enrol their first second factor "
        "(the first administrator, or anyone when no administrator can sign in). Prints the code once."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("username", help="User name of the member of staff")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        try:
            # by=None: the operator at the console, recorded as such in the audit log.
            invitation, code = actions.issue_mfa_invitation(user=user, by=None)
        except actions.InvitationNotAllowed as exc:
            raise CommandError(f"{user.username} cannot be invited: {exc}.") from exc
        expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        self.stdout.write(f"Invitation code for {user.username}: {code}")
        self.stdout.write(f"It works once, until {expires}. Give it to them in person; it is not shown again.")
