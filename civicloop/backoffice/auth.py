# SPDX-License-Identifier: MPL-2.0
"""Who is calling the back-office API, what their token lets them call, and how often.

Two ways in, tried in this order:
- `ClientCredentials`: an `Authorization: Bearer` token that django-oauth-toolkit issued to an
  integration client at /oauth/token/ (grant `client_credentials`). The principal is the client's
  service account, judged by the policy from a device it treats as BYOD: SECRET at most, and the
  handling table's API row never opens TOP SECRET whatever the clearance.
- `StaffSession`: a member of staff signed in with a second factor (the sign-in middleware refuses
  /api/ to a session without one), CSRF-checked on writes. Staff hold every scope; the policy
  still decides every object with their own clearance, departments and device.

A wrong or expired token is 401; a token without the operation's scope is 403; over the client's
rate limit is 429 with Retry-After.
"""

import threading
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import SessionAuth
from ninja.security.base import AuthBase
from ninja.throttling import BaseThrottle
from oauth2_provider.oauth2_backends import get_oauthlib_core

from civicloop.accounts.mfa import authenticated_within
from civicloop.accounts.models import User
from civicloop.accounts.ratelimit import take_place
from civicloop.backoffice.models import IntegrationClient
from civicloop.backoffice.scopes import SCOPES
from civicloop.classification.policy import Context, DeviceTrust, context_from_request
from civicloop.core.api_errors import ApiError

# Staff through their session: generous, but a script left running in a browser tab stops somewhere.
STAFF_RATE_LIMIT_PER_MINUTE = 600
# A registered client is a server, not a device someone holds; its ceiling is the BYOD one (SECRET).
CLIENT_DEVICE_TRUST = DeviceTrust.BYOD


@dataclass(frozen=True)
class Principal:
    """The caller: the user the policy judges, the request's context, its scopes and its client, if any."""

    user: User
    context: Context
    scopes: frozenset[str]
    client: IntegrationClient | None = None

    @property
    def rate_key(self) -> str:
        return f"client:{self.client.public_id}" if self.client else f"user:{self.user.public_id}"

    @property
    def rate_limit(self) -> int:
        return self.client.rate_limit_per_minute if self.client else STAFF_RATE_LIMIT_PER_MINUTE


def require_recent_second_factor(request: HttpRequest, principal: Principal, max_age_s: int) -> None:
    """起案 and 決裁 bind the municipality: as on the page, a member of staff acting through their
    session needs a second factor at most `max_age_s` old (else 403; re-authenticate on the site).

    An integration client has no second factor; the action itself decides what its service account
    may do (it holds no rank, so it never approves).
    """
    if principal.client is None and not authenticated_within(request, max_age_s):
        raise ApiError(
            403,
            "reauthentication_required",
            detail="re-authenticate with your second factor first (/staff/account/2fa/reauthenticate/)",
        )


def principal_of(request: HttpRequest) -> Principal:
    auth: Any = getattr(request, "auth", None)
    if not isinstance(auth, Principal):  # pragma: no cover - every operation has an auth
        raise AuthenticationError()
    return auth


def _require(principal: Principal, scope: str) -> Principal:
    if scope not in principal.scopes:
        raise ApiError(403, "missing_scope", detail=f"this token lacks the scope {scope}")
    return principal


class ClientCredentials(AuthBase):
    """OAuth2 bearer tokens from the client-credentials grant (django-oauth-toolkit)."""

    openapi_type = "oauth2"
    openapi_flows = {"clientCredentials": {"tokenUrl": "/oauth/token/", "scopes": SCOPES}}

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Principal | None:
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None  # not ours: the session may still apply
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        token = getattr(oauth_request, "access_token", None) if valid else None
        client = _active_client(token)
        if token is None or client is None:
            raise ApiError(401, "not_authenticated", detail="the access token is not valid")
        user = client.service_user
        principal = Principal(user, Context(device_trust=CLIENT_DEVICE_TRUST), frozenset(token.scope.split()), client)
        return _require(principal, self.scope)


def _active_client(token: Any) -> IntegrationClient | None:
    if token is None or token.application_id is None:
        return None
    client = (
        IntegrationClient.objects.select_related("service_user")
        .filter(application_id=token.application_id, is_active=True, service_user__is_active=True)
        .first()
    )
    return client


class StaffSession(SessionAuth):
    """A member of staff's own session (CSRF-checked on writes by ninja's cookie auth)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = request.user
        if not (isinstance(user, User) and user.is_authenticated and user.is_staff_member):
            return None
        if hasattr(user, "integration_client"):
            return None  # a service account never has a session; refuse one that somehow does
        return Principal(user, context_from_request(request), frozenset(SCOPES))


def auth_for(scope: str) -> list[AuthBase]:
    """The auth of an operation that needs `scope`."""
    return [ClientCredentials(scope), StaffSession(scope)]


class PerClientThrottle(BaseThrottle):
    """The project's fixed-window limiter (accounts.ratelimit), keyed by the client or the staff member.

    One instance serves every request (ninja keeps it on the operation), so the seconds to wait are
    kept per thread between `allow_request` and `wait`.
    """

    def __init__(self) -> None:
        self._state = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        principal = principal_of(request)
        self._state.seconds = 0
        if not principal.rate_limit:
            return True
        _key, self._state.seconds = take_place(
            "backoffice_api", principal.rate_key, limit=principal.rate_limit, window_s=60
        )
        return not self._state.seconds

    def wait(self) -> float | None:
        return float(getattr(self._state, "seconds", 0)) or None
