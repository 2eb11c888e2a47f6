# SPDX-License-Identifier: MPL-2.0
"""For tests only: a client signed in as a member of staff who has passed a second factor.

`Client.force_login` skips allauth, so the session would carry no record of a second factor and
StaffMfaRequiredMiddleware would (rightly) send the user to set one up. This gives the user a TOTP
authenticator if they have none and writes the records the real sign-in writes.
"""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.test import Client

from civicloop.accounts.models import User

# allauth keeps the owner of the records next to them; a session whose records belong to another user has none.
_RECORDS_USER_KEY = "account_authentication_methods_user"


def give_totp(user: User, secret: str | None = None) -> str:
    """Enrol a TOTP authenticator for `user` (if they have none) and return its secret."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in_with_mfa(client: Client, user: User, *, at: float | None = None) -> Client:
    """Sign `client` in as `user` as if through /staff/login/ and a TOTP code at time `at` (default: now)."""
    give_totp(user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    now = time.time() if at is None else at
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_RECORDS_USER_KEY] = user_id_to_str(user)
    session.save()
    return client
