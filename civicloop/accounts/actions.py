# SPDX-License-Identifier: MPL-2.0
import uuid

from django.db import transaction

from civicloop.accounts.models import OidcIdentity, User
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
