# SPDX-License-Identifier: MPL-2.0
"""Codes a TOTP app would show, computed the way allauth checks them."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_code(secret: str, *, offset_steps: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset_steps))
