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
