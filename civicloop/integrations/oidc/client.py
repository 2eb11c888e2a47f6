# SPDX-License-Identifier: MPL-2.0
"""OpenID Connect relying party for resident sign-in (authorization-code flow with PKCE).

The Digital Agency's デジタル認証アプリ speaks this flow; so does the demo provider at /demo-idp/.
Authlib does the protocol work: discovery, state, nonce, PKCE (S256), the token exchange and
ID-token validation against the provider's JWKS.
"""

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)


class OidcError(Exception):
    """The provider refused, or its answer could not be trusted."""


@dataclass(frozen=True)
class VerifiedIdentity:
    issuer: str
    subject: str
    name: str
    name_kana: str
    birthdate: date | None
    address: str
    email: str


def _client() -> Any:
    # A registry per call keeps tests that point the issuer at a live server honest; Authlib
    # caches the provider metadata on the client object for the length of one sign-in step.
    oauth = OAuth()
    return oauth.register(
        name="resident",
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        server_metadata_url=f"{settings.OIDC_ISSUER}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.OIDC_SCOPES, "code_challenge_method": "S256"},
    )


def start_sign_in(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    if not settings.OIDC_ISSUER:
        raise _unavailable(request, "no identity provider is configured (CIVICLOOP_OIDC_ISSUER)")
    try:
        response: HttpResponse = _client().authorize_redirect(request, redirect_uri)
    except Exception as exc:  # the provider is down or its discovery document is broken
        raise _unavailable(request, f"the provider {settings.OIDC_ISSUER} did not answer: {exc}") from exc
    return response


def _unavailable(request: HttpRequest, reason: str) -> OidcError:
    """Log why sign-in cannot start, and return the error to raise.

    The resident only reads that sign-in is unavailable; whoever runs the site needs the reason.
    The usual one in development is a server started on another port than CIVICLOOP_SITE_URL
    names, which leaves the demo provider's issuer pointing at nothing (or at someone else).
    """
    site = urlsplit(settings.SITE_URL).netloc
    if site and request.get_host() != site:
        reason += f"; this request came to {request.get_host()} but CIVICLOOP_SITE_URL is {settings.SITE_URL}"
    log.warning("resident sign-in unavailable: %s", reason)
    return OidcError(reason)


def finish_sign_in(request: HttpRequest) -> VerifiedIdentity:
    if "error" in request.GET:
        raise OidcError(request.GET.get("error_description") or request.GET["error"])
    try:
        token = _client().authorize_access_token(request)
    except Exception as exc:  # bad state, replayed code, invalid signature …
        raise OidcError(str(exc)) from exc
    claims = token.get("userinfo") or {}
    if not claims.get("sub"):
        raise OidcError("the ID token carries no subject")
    return identity_from_claims(claims, default_issuer=settings.OIDC_ISSUER)


def identity_from_claims(claims: dict[str, Any], *, default_issuer: str) -> VerifiedIdentity:
    """基本4情報 from verified ID-token claims, as providers spell them.

    Names: `name`, or `family_name` + `given_name` joined with a space, so forms can split them
    again. Readings: `name_kana` (the demo provider), or the OIDC language-tagged claims
    `name#ja-Kana-JP` / `family_name#ja-Kana-JP` + `given_name#ja-Kana-JP`. Address: the
    `formatted` string, or its parts; a postal code goes in front as 〒NNN-NNNN so it survives.
    """
    return VerifiedIdentity(
        issuer=str(claims.get("iss", default_issuer)),
        subject=str(claims["sub"]),
        name=_full_name(claims, ""),
        name_kana=str(claims.get("name_kana") or "") or _full_name(claims, "#ja-Kana-JP"),
        birthdate=_parse_date(claims.get("birthdate")),
        address=_format_address(claims.get("address")),
        email=str(claims.get("email", "")),
    )


def _full_name(claims: dict[str, Any], tag: str) -> str:
    if name := str(claims.get(f"name{tag}") or "").strip():
        return name
    parts = [str(claims.get(f"{key}{tag}") or "").strip() for key in ("family_name", "given_name")]
    return " ".join(p for p in parts if p)


def _parse_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _format_address(value: object) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    postal = str(value.get("postal_code") or "").strip()
    text = str(value.get("formatted") or "").strip() or "".join(
        str(value.get(key) or "").strip() for key in ("region", "locality", "street_address")
    )
    if postal and postal not in text:
        text = f"〒{postal} {text}".strip()
    return text
