# SPDX-License-Identifier: MPL-2.0
"""Demo only: the demo staff's TOTP apps and managed devices, reproducible per installation.

Secrets are derived from one random key kept in VAR_DIR (never in the repository), so re-seeding
a fresh database gives every demo clerk the same TOTP secret and device token as before, and
`manage.py demo_totp <username>` can print the code an authenticator app would show.
"""

import base64
import hashlib
import hmac
import secrets
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings

from civicloop.accounts.models import User
from civicloop.devices import actions as device_actions
from civicloop.devices.compliance import Posture
from civicloop.devices.models import Device, hash_token


def _key() -> bytes:
    path = settings.VAR_DIR / "demo-staff-key.bin"
    if not path.exists():
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def _derive(purpose: str, username: str) -> bytes:
    return hmac.new(_key(), f"{purpose}:{username}".encode(), hashlib.sha256).digest()


def totp_secret_for(username: str) -> str:
    return base64.b32encode(_derive("totp", username)[:20]).decode()


def device_token_for(username: str) -> str:
    return "cld_" + base64.urlsafe_b64encode(_derive("device", username)).decode().rstrip("=")


def current_totp(username: str) -> tuple[str, int]:
    """The code the user's TOTP app shows now, and the seconds it has left."""
    authenticator = Authenticator.objects.get(user__username=username, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    now = int(time.time())
    return format_hotp_value(hotp_value(secret, now // 30)), 30 - now % 30


def ensure_second_factor(user: User) -> bool:
    """Give a demo staff member a TOTP authenticator if they have none. Returns whether one was made."""
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, totp_secret_for(user.username))
    return True


def ensure_managed_device(user: User, *, administrator: User, today_posture: Posture) -> bool:
    """Register a compliant managed laptop for a demo staff member, with a reproducible token."""
    token = device_token_for(user.username)
    if Device.objects.filter(token_hash=hash_token(token)).exists():
        return False
    device, _random_token = device_actions.register_device(
        owner=user,
        kind=Device.Kind.MANAGED,
        name=f"PC-{user.username}",
        platform=Device.Platform.WINDOWS,
        registered_by=administrator,
    )
    # Demo only: swap the random token for the reproducible one, so the seed can print it again.
    Device.objects.filter(pk=device.pk).update(token_hash=hash_token(token))
    device_actions.check_in_device(device=device, posture=today_posture)
    return True
