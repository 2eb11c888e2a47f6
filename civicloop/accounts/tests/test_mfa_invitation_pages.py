# SPDX-License-Identifier: MPL-2.0
"""Issuing invitations: the page for administrators and the security officer, and the console command."""

import re
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from civicloop.accounts import actions
from civicloop.accounts.models import MfaInvitation, Role, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ISSUE = "staff_account:mfa-invitation-issue"
CODE = re.compile(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}")


@pytest.fixture
def administrator(catalog: None) -> User:
    return User.objects.create(username="it-admin", kind=User.Kind.STAFF, roles=[Role.ADMINISTRATOR])


def test_an_administrator_issues_a_code_shown_once(administrator: User, clerk: User) -> None:
    client = sign_in_with_mfa(Client(), administrator)
    assert client.get(reverse(ISSUE)).status_code == 200
    response = client.post(reverse(ISSUE), {"username": "clerk"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    code = response.context["code"]
    assert CODE.fullmatch(code) and code in response.content.decode()
    invitation = MfaInvitation.objects.get(user=clerk)
    assert invitation.issued_by == administrator and invitation.code_hash == actions.hash_invitation_code(code)
    assert actions.check_mfa_invitation(user=clerk, code=code) == invitation


def test_the_page_refuses_unknown_people_and_oneself(administrator: User) -> None:
    client = sign_in_with_mfa(Client(), administrator)
    for username in ("nobody", "it-admin"):
        assert client.post(reverse(ISSUE), {"username": username}).status_code == 400
    assert not MfaInvitation.objects.exists()


@pytest.mark.parametrize("roles", [[], [Role.AUDITOR]])
def test_other_staff_get_404(roles: list[str], clerk: User) -> None:
    clerk.roles = roles
    clerk.save()
    client = sign_in_with_mfa(Client(), clerk)
    assert client.get(reverse(ISSUE)).status_code == 404
    assert client.post(reverse(ISSUE), {"username": "clerk"}).status_code == 404
    assert not MfaInvitation.objects.exists()


def test_issuing_needs_a_recent_second_factor(administrator: User, clerk: User) -> None:
    client = sign_in_with_mfa(Client(), administrator, at=time.time() - 3600)
    response = client.post(reverse(ISSUE), {"username": "clerk"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/account/2fa/reauthenticate/")
    assert not MfaInvitation.objects.exists()


def test_an_administrator_with_only_a_password_cannot_issue(administrator: User, clerk: User) -> None:
    # the page sits under /staff/account/, which staff reach before their second factor
    client = Client()
    client.force_login(administrator)
    client.post(reverse(ISSUE), {"username": "clerk"})
    assert not MfaInvitation.objects.exists()


def test_the_command_bootstraps_an_invitation_from_the_console(clerk: User) -> None:
    out = StringIO()
    call_command("issue_mfa_invitation", "clerk", stdout=out)
    code = CODE.search(out.getvalue())
    assert code is not None
    assert actions.check_mfa_invitation(user=clerk, code=code.group(0)).issued_by is None
    assert AuditEntry.objects.get(action="mfa.invitation_issue").actor == "console"


def test_the_command_refuses_unknown_users_and_residents(resident: User) -> None:
    with pytest.raises(CommandError):
        call_command("issue_mfa_invitation", "nobody", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("issue_mfa_invitation", resident.username, stdout=StringIO())
    assert not MfaInvitation.objects.exists()
