# SPDX-License-Identifier: MPL-2.0
"""Signed HTTP webhooks: one signature scheme and one delivery function for every sender.

The event relay (webhook subscribers) and notifications (the webhook channel) both post JSON to
URLs that a third party registered, so both use this module: the receiver verifies one scheme.

Signature header (``Civicloop-Signature``): ``t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256 keyed with the subscriber's secret over ``b"<t>." + body``. The timestamp is inside
the MAC so a captured request cannot be replayed later than the receiver's tolerance; several
``v1=`` values may appear while a secret is being rotated (any one matching is enough).
"""

import hashlib
import hmac
import time
from urllib.parse import urlsplit

import requests

SIGNATURE_HEADER = "Civicloop-Signature"
USER_AGENT = "civicloop-webhooks/1"
# Bytes of the receiver's response kept in the detail string: enough to debug, never a whole page.
_DETAIL_LIMIT = 200


def sign_payload(secret: str, body: bytes, timestamp: int) -> str:
    """Return the signature header value ``t=<timestamp>,v1=<hex HMAC-SHA256>`` for `body`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _parse_header(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return None, []
        elif key == "v1":
            signatures.append(value)
    return timestamp, signatures


def verify(secret: str, body: bytes, header: str, tolerance_s: int = 300, *, now: int | None = None) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance_s` of now.

    A receiver-side helper (and what our own tests use): comparison is constant-time, a stale or
    future timestamp beyond the tolerance is refused so a captured request cannot be replayed.
    """
    timestamp, signatures = _parse_header(header)
    if timestamp is None or not signatures:
        return False
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = sign_payload(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def deliver(
    url: str, secret: str, body: bytes, *, timeout: float = 5.0, content_type: str = "application/json"
) -> tuple[int | None, str]:
    """POST `body` (JSON) to `url`, signed with `secret`; return (HTTP status or None, detail).

    Never raises for the receiver's faults: a refused connection, a timeout or a bad URL returns
    ``(None, reason)`` so the caller records it and retries with backoff. Redirects are not
    followed: a subscriber registered one URL, and following a 30x could send the signed body
    somewhere nobody registered. A 2xx status means delivered; anything else is the caller's retry.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, f"refused: not an http(s) URL: {url[:100]!r}"
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign_payload(secret, body, int(time.time())),
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return None, f"timeout after {timeout:g} s"
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:_DETAIL_LIMIT]}"
    text = response.text[:_DETAIL_LIMIT] if response.content else ""
    return response.status_code, f"{response.status_code} {response.reason}: {text}".strip()
