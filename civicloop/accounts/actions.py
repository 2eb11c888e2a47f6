# SPDX-License-Identifier: MPL-2.0
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicloop.accounts.models import MfaInvitation, OidcIdentity, Role, User
from civicloop.core import audit, events
from civicloop.integrations.oidc.client import VerifiedIdentity


def sign_in_resident(*, identity: VerifiedIdentity) -> User:
    """Find or create the resident the provider vouched for and refresh their 基本4情報."""
    with transaction.atomic():
        link = (
            OidcIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=identity.issuer, subject=identity.subject)
            .first()
        )
        if link is None:
            user = User.objects.create(username=f"oidc-{uuid.uuid4().hex[:16]}")
            link = OidcIdentity.objects.create(user=user, issuer=identity.issuer, subject=identity.subject)
            events.record("resident.registered", subject=f"user/{user.public_id}", data={"issuer": identity.issuer})
        user = link.user
        user.full_name = identity.name
        user.full_name_kana = identity.name_kana
        user.birthdate = identity.birthdate
        user.address = identity.address
        user.email = identity.email
        user.set_unusable_password()
        user.save()
        link.save(update_fields=["last_login_at"])
        audit.record(
            actor=f"user/{user.public_id}", action="sign_in", object_type="user", object_id=str(user.public_id)
        )
        return user


def record_staff_sign_in(*, user: User, methods: list[str], factor: str) -> User:
    """Record a completed staff sign-in (password or single sign-on, then the second factor)."""
    with transaction.atomic():
        events.record(
            "staff.signed_in",
            subject=f"user/{user.public_id}",
            data={"methods": methods, "factor": factor},
        )
        audit.record(
            actor=f"user/{user.public_id}",
            action="sign_in",
            object_type="user",
            object_id=str(user.public_id),
            data={"methods": methods, "factor": factor},
        )
    return user


def record_second_factor_change(*, user: User, factor: str, added: bool) -> User:
    """Record that a member of staff enrolled (or removed) a second factor: TOTP, a security key, recovery codes."""
    with transaction.atomic():
        events.record(
            "staff.mfa_enrolled" if added else "staff.mfa_removed",
            subject=f"user/{user.public_id}",
            data={"factor": factor},
        )
        audit.record(
            actor=f"user/{user.public_id}",
            action="mfa.enrol" if added else "mfa.remove",
            object_type="user",
            object_id=str(user.public_id),
            data={"factor": factor},
        )
    return user


class InvitationNotAllowed(Exception):
    """This person may not issue this invitation (the edge answers 404 or a form error)."""


class InvalidInvitation(Exception):
    """The code is unknown, someone else's, expired, replaced or already used."""


# Who invites staff to enrol a first second factor: the system administrator and the
# information-security officer (情報セキュリティ責任者). docs/staff-sign-in.md, "Invitations".
INVITATION_ISSUER_ROLES = (Role.ADMINISTRATOR, Role.SECURITY_OFFICER)
# 16 characters from 32 unambiguous ones (no 0/O, 1/I): 80 random bits, read aloud or typed.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 16
# Wrong codes a person may type before their open invitation is withdrawn (a new one must be
# issued). 80-bit codes cannot be guessed anyway; this stops a script from trying forever.
INVITATION_ATTEMPTS = 10


def is_invitation_issuer(user: object) -> bool:
    """May `user` invite other staff to enrol a second factor?"""
    return isinstance(user, User) and user.is_back_office and any(user.has_role(r) for r in INVITATION_ISSUER_ROLES)


def normalise_invitation_code(code: str) -> str:
    """What was typed, without spaces or hyphens, in capitals: `abcd-efgh …` and `ABCDEFGH…` match."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def hash_invitation_code(code: str) -> str:
    return hashlib.sha256(normalise_invitation_code(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def issue_mfa_invitation(*, user: User, by: User | None, now: datetime | None = None) -> tuple[MfaInvitation, str]:
    """Invite `user` to enrol a first second factor; returns the invitation and its code, shown only now.

    `by` is an administrator or the information-security officer other than `user`; None means
    the operator at the server console (`manage.py issue_mfa_invitation`), who bootstraps the first
    administrator. A new invitation replaces any earlier unused one.
    """
    if by is not None and not is_invitation_issuer(by):
        raise InvitationNotAllowed("only an administrator or the information-security officer invites")
    if by is not None and by.pk == user.pk:
        raise InvitationNotAllowed("nobody invites themselves")
    if not user.is_active or not user.is_back_office:
        raise InvitationNotAllowed("only active staff enrol a second factor here")
    now = now or timezone.now()
    code = _new_code()
    actor = f"user/{by.public_id}" if by is not None else "console"
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one issuer at a time per person
        MfaInvitation.objects.filter(user=user).usable(now).update(revoked_at=now)
        invitation = MfaInvitation.objects.create(
            user=user,
            code_hash=hash_invitation_code(code),
            issued_by=by,
            issued_at=now,
            expires_at=now + timedelta(hours=settings.MFA_INVITATION_HOURS),
        )
        data = {"invitation": str(invitation.public_id), "expires_at": invitation.expires_at.isoformat()}
        events.record("staff.mfa_invitation_issued", subject=f"user/{user.public_id}", data={**data, "by": actor})
        audit.record(
            actor=actor, action="mfa.invitation_issue", object_type="user", object_id=str(user.public_id), data=data
        )
    return invitation, code


def check_mfa_invitation(*, user: User, code: str, now: datetime | None = None) -> MfaInvitation:
    """The usable invitation of `user` this code names; InvalidInvitation (audited) otherwise.

    Checking does not use the invitation up: enrolling the factor does (consume_mfa_invitation).
    """
    now = now or timezone.now()
    invitation = MfaInvitation.objects.filter(user=user, code_hash=hash_invitation_code(code)).first()
    if invitation is not None and invitation.is_usable(now):
        return invitation
    with transaction.atomic():
        open_invitations = MfaInvitation.objects.filter(user=user).usable(now)
        open_invitations.update(failed_attempts=F("failed_attempts") + 1)
        withdrawn = open_invitations.filter(failed_attempts__gte=INVITATION_ATTEMPTS).update(revoked_at=now)
        audit.record(
            actor=f"user/{user.public_id}",
            action="mfa.invitation_refused",
            object_type="user",
            object_id=str(user.public_id),
            data={"invitation": str(invitation.public_id) if invitation else None, "withdrawn": bool(withdrawn)},
        )
    raise InvalidInvitation("the invitation code is not valid")


def consume_mfa_invitation(*, user: User, invitation_id: uuid.UUID | str, now: datetime | None = None) -> MfaInvitation:
    """Use up the invitation as `user` enrols their first factor, in the enrolment's transaction.

    The row lock makes it single-use even when two enrolments race with the same code.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = MfaInvitation.objects.select_for_update().filter(user=user, public_id=invitation_id).first()
        if invitation is None or not invitation.is_usable(now):
            raise InvalidInvitation("the invitation is no longer valid")
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        events.record(
            "staff.mfa_invitation_used",
            subject=f"user/{user.public_id}",
            data={"invitation": str(invitation.public_id)},
        )
        audit.record(
            actor=f"user/{user.public_id}",
            action="mfa.invitation_use",
            object_type="user",
            object_id=str(user.public_id),
            data={"invitation": str(invitation.public_id)},
        )
    return invitation
