# SPDX-License-Identifier: MPL-2.0
"""A small but real OpenID Connect provider for the embedded default (never installed in production).

It speaks the same authorization-code flow with PKCE as the デジタル認証アプリ: discovery, an
authorize page where a demo resident is chosen, a token endpoint that checks the client secret,
the redirect URI and the PKCE verifier, RS256-signed ID tokens and a JWKS endpoint.
"""

import base64
import hashlib
import json
import secrets
import time
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import RSAKey

from civicloop.demo.models import DemoGrant
from civicloop.demo.residents import DemoResident, find_resident

CODE_LIFETIME = timedelta(minutes=2)


class TokenError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def issuer() -> str:
    return f"{settings.SITE_URL}/demo-idp"


def registered_redirect_uris() -> frozenset[str]:
    """The redirect URIs registered for the one client, compared as whole strings (RFC 9700, 4.1.3).

    A prefix match let `<site>.evil.example/…` and `<site>@evil.example/…` receive codes. The
    resident callback, and the staff directory's when the demo provider stands in for it.
    """
    uris = {settings.SITE_URL + reverse("accounts:callback")}
    if issuer() == settings.STAFF_OIDC_ISSUER:
        provider = {"provider_id": settings.STAFF_OIDC_PROVIDER_ID}
        uris.add(settings.SITE_URL + reverse("openid_connect_callback", kwargs=provider))
    return frozenset(uris)


@cache
def signing_key() -> RSAKey:
    path = settings.VAR_DIR / "demo-idp-key.json"
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key.as_dict(private=True)))
    path.chmod(0o600)
    return key


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def issue_code(
    *, resident: DemoResident, client_id: str, redirect_uri: str, challenge: str, nonce: str, scope: str
) -> str:
    code = secrets.token_urlsafe(32)
    DemoGrant.objects.create(
        code_hash=_sha256(code),
        subject=resident["sub"],
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        nonce=nonce,
        scope=scope,
    )
    return code


def exchange_code(*, code: str, client_id: str, client_secret: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
    if client_id != settings.OIDC_CLIENT_ID or not secrets.compare_digest(client_secret, settings.OIDC_CLIENT_SECRET):
        raise TokenError("invalid_client", "unknown client or wrong secret")
    with transaction.atomic():
        grant = DemoGrant.objects.select_for_update().filter(code_hash=_sha256(code)).first()
        if grant is None or grant.used_at is not None:
            raise TokenError("invalid_grant", "unknown or already used code")
        if timezone.now() - grant.created_at > CODE_LIFETIME:
            raise TokenError("invalid_grant", "the code has expired")
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise TokenError("invalid_grant", "the code was issued to another client or redirect URI")
        if not secrets.compare_digest(_s256(verifier), grant.code_challenge):
            raise TokenError("invalid_grant", "PKCE verification failed")
        access_token = secrets.token_urlsafe(32)
        grant.used_at = timezone.now()
        grant.access_token_hash = _sha256(access_token)
        grant.save(update_fields=["used_at", "access_token_hash"])
    resident = find_resident(grant.subject)
    assert resident is not None
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": grant.scope,
        "id_token": _id_token(resident, client_id=client_id, nonce=grant.nonce),
    }


def claims_for(resident: DemoResident) -> dict[str, Any]:
    return {
        "sub": resident["sub"],
        "name": resident["name"],
        "name_kana": resident["name_kana"],
        "birthdate": resident["birthdate"],
        "gender": resident["gender"],
        "email": resident["email"],
        "address": {"formatted": resident["address"]},
    }


def _id_token(resident: DemoResident, *, client_id: str, nonce: str) -> str:
    now = int(time.time())
    claims = {"iss": issuer(), "aud": client_id, "iat": now, "exp": now + 300, **claims_for(resident)}
    if nonce:
        claims["nonce"] = nonce
    key = signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def resident_for_access_token(token: str) -> DemoResident | None:
    grant = DemoGrant.objects.filter(access_token_hash=_sha256(token)).first()
    return find_resident(grant.subject) if grant else None


def discovery() -> dict[str, Any]:
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "name", "address", "birthdate", "gender", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "name", "name_kana", "birthdate", "gender", "email", "address"],
    }
