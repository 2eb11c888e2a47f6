# SPDX-License-Identifier: MPL-2.0
"""Enrolling the first second factor needs a one-time invitation from an administrator (issue 10).

The attack: a staff account without a second factor, whose password someone knows. Before, the
first sign-in enrolled whatever TOTP secret the signer-in chose, and the account was theirs.
"""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicloop.accounts import actions
from civicloop.accounts.models import MfaInvitation, Role, User
from civicloop.accounts.tests.conftest import PASSWORD
from civicloop.accounts.tests.helpers import totp_code
from civicloop.core.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

REDEEM = "staff_account:mfa-invitation-redeem"
REQUIRED_JA = "二要素認証の登録には管理者が発行する招待コードが必要です"
REQUIRED_EN = "Enrolling a second factor needs an invitation code issued by an administrator."


def _signed_in_with_password_only(user: User) -> Client:
    client = Client()
    client.post(reverse("cases:staff-login"), {"login": user.username, "password": PASSWORD})
    return client


def _enrol_totp(client: Client) -> Client:
    """What an authenticator app and its owner do on allauth's set-up page: read the secret, type the code."""
    client.get(reverse("mfa_activate_totp"))
    secret = client.session.get("mfa.totp.secret") or generate_totp_secret()
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    return client


def _factors(user: User) -> set[str]:
    return set(Authenticator.objects.filter(user=user).values_list("type", flat=True))


def test_without_an_invitation_a_password_alone_enrols_nothing(staff_with_password: User) -> None:
    # given someone who knows the password of a clerk who has no second factor yet
    client = _signed_in_with_password_only(staff_with_password)
    # when they go to the set-up pages and post a code for a secret of their choosing
    refused = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    for path in (reverse("mfa_activate_totp"), reverse("mfa_add_webauthn"), reverse("cases:case-list")):
        assert client.get(path).headers["Location"] == reverse(REDEEM), path
    # then nothing is enrolled, and the page they are sent to says why, in Japanese and in English
    assert refused.headers["Location"] == reverse(REDEEM)
    assert _factors(staff_with_password) == set()
    assert REQUIRED_JA in client.get(reverse(REDEEM)).content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    assert REQUIRED_EN in client.get(reverse(REDEEM)).content.decode()


def test_a_valid_invitation_lets_the_member_of_staff_enrol_once(staff_with_password: User) -> None:
    # given an invitation the administrator handed over, typed as people type (lower case, spaces)
    _, code = actions.issue_mfa_invitation(user=staff_with_password, by=None)
    client = _signed_in_with_password_only(staff_with_password)
    accepted = client.post(reverse(REDEEM), {"code": f" {code.lower().replace('-', ' ')} "})
    assert accepted.headers["Location"] == reverse("mfa_index")
    # when they set up their app
    _enrol_totp(client)
    # then it is their factor and the invitation is used up, with an event and an audit entry
    assert _factors(staff_with_password) == {"totp", "recovery_codes"}
    invitation = MfaInvitation.objects.get(user=staff_with_password)
    assert invitation.used_at is not None
    assert Event.objects.filter(type="jp.lg.civicloop.staff.mfa_invitation_used").count() == 1
    assert AuditEntry.objects.filter(action="mfa.invitation_use", object_id=str(staff_with_password.public_id)).exists()
    # and once the factors are gone (a lost phone), the same code does not enrol another
    Authenticator.objects.filter(user=staff_with_password).delete()
    again = _signed_in_with_password_only(staff_with_password)
    assert again.post(reverse(REDEEM), {"code": code}).status_code == 400
    _enrol_totp(again)
    assert _factors(staff_with_password) == set()


@pytest.mark.parametrize("problem", ["wrong", "expired", "replaced", "someone_elses"])
def test_a_code_that_is_not_valid_is_refused_and_audited(problem: str, staff_with_password: User) -> None:
    # given a code that is wrong, expired, replaced by a newer one, or another person's
    other = User.objects.create(username="other-clerk", kind=User.Kind.STAFF)
    _, code = actions.issue_mfa_invitation(user=staff_with_password, by=None)
    if problem == "wrong":
        code = "ABCD-EFGH-JKLM-NPQR"
    elif problem == "expired":
        MfaInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif problem == "replaced":
        actions.issue_mfa_invitation(user=staff_with_password, by=None)
    else:
        _, code = actions.issue_mfa_invitation(user=other, by=None)
    client = _signed_in_with_password_only(staff_with_password)
    # when it is typed
    response = client.post(reverse(REDEEM), {"code": code})
    # then it is refused, nothing can be enrolled, and the audit log has the attempt
    assert response.status_code == 400 and "civicloop_mfa_invitation" not in client.session
    _enrol_totp(client)
    assert _factors(staff_with_password) == set()
    assert AuditEntry.objects.filter(action="mfa.invitation_refused").count() == 1


def test_ten_wrong_codes_withdraw_the_open_invitation(staff_with_password: User) -> None:
    _, code = actions.issue_mfa_invitation(user=staff_with_password, by=None)
    for _attempt in range(actions.INVITATION_ATTEMPTS):
        with pytest.raises(actions.InvalidInvitation):
            actions.check_mfa_invitation(user=staff_with_password, code="ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    with pytest.raises(actions.InvalidInvitation):
        actions.check_mfa_invitation(user=staff_with_password, code=code)
    assert MfaInvitation.objects.get().revoked_at is not None


def test_an_invitation_replaced_while_the_form_was_open_enrols_nothing(staff_with_password: User) -> None:
    # given a clerk who typed a valid code and opened the TOTP page
    _, code = actions.issue_mfa_invitation(user=staff_with_password, by=None)
    client = _signed_in_with_password_only(staff_with_password)
    client.post(reverse(REDEEM), {"code": code})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    # when the invitation is replaced by a new one before they submit
    actions.issue_mfa_invitation(user=staff_with_password, by=None)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    # then no factor is kept and they are asked for an invitation again
    assert _factors(staff_with_password) == set()
    assert response.headers["Location"] == reverse(REDEEM)


def test_an_invitation_used_by_a_racing_enrolment_keeps_no_factor_and_ends_the_session(
    staff_with_password: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a clerk on the TOTP page with a valid invitation
    _, code = actions.issue_mfa_invitation(user=staff_with_password, by=None)
    client = _signed_in_with_password_only(staff_with_password)
    client.post(reverse(REDEEM), {"code": code})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    # when another enrolment uses the invitation up just before this one does
    consume = actions.consume_mfa_invitation

    def raced(**kwargs: object) -> MfaInvitation:
        consume(**kwargs)  # type: ignore[arg-type]
        return consume(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "consume_mfa_invitation", raced)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    # then the factor this request made is rolled back, and the session ends
    assert _factors(staff_with_password) == set()
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_an_invitation_is_single_use(staff_with_password: User) -> None:
    invitation, _code = actions.issue_mfa_invitation(user=staff_with_password, by=None)
    actions.consume_mfa_invitation(user=staff_with_password, invitation_id=invitation.public_id)
    with pytest.raises(actions.InvalidInvitation):
        actions.consume_mfa_invitation(user=staff_with_password, invitation_id=invitation.public_id)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SECURITY_OFFICER])
def test_administrators_and_the_security_officer_issue_invitations(role: str, clerk: User) -> None:
    issuer = User.objects.create(username="issuer", kind=User.Kind.STAFF, roles=[role])
    invitation, code = actions.issue_mfa_invitation(user=clerk, by=issuer)
    # stored only as a hash, expiring after the configured hours, audited and recorded
    assert code not in invitation.code_hash and invitation.code_hash == actions.hash_invitation_code(code)
    assert invitation.expires_at - invitation.issued_at == timedelta(hours=72)
    entry = AuditEntry.objects.get(action="mfa.invitation_issue")
    assert entry.actor == f"user/{issuer.public_id}" and entry.object_id == str(clerk.public_id)
    assert code not in str(entry.data)
    assert Event.objects.filter(type="jp.lg.civicloop.staff.mfa_invitation_issued").count() == 1


@pytest.mark.parametrize("who", ["clerk", "auditor", "django_superuser_without_the_role", "themselves", "resident"])
def test_nobody_else_issues_an_invitation(who: str, clerk: User) -> None:
    administrator = User.objects.create(username="admin", kind=User.Kind.STAFF, roles=[Role.ADMINISTRATOR])
    issuer, target = {
        "clerk": (clerk, administrator),
        "auditor": (User.objects.create(username="aud", kind=User.Kind.STAFF, roles=[Role.AUDITOR]), clerk),
        "django_superuser_without_the_role": (
            User.objects.create(username="su", is_superuser=True, is_staff=True, kind=User.Kind.STAFF),
            clerk,
        ),
        "themselves": (administrator, administrator),
        "resident": (administrator, User.objects.create(username="r", kind=User.Kind.RESIDENT)),
    }[who]
    with pytest.raises(actions.InvitationNotAllowed):
        actions.issue_mfa_invitation(user=target, by=issuer)
    assert not MfaInvitation.objects.exists() and not AuditEntry.objects.filter(action="mfa.invitation_issue").exists()
