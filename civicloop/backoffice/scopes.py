# SPDX-License-Identifier: MPL-2.0
"""OAuth2 scopes of the back-office API, and which a client may ask for (django-oauth-toolkit's backend).

A scope says which operations a token may call; it never widens what the policy lets the client's
declared clearance and departments see or work (docs/api.md, "Scopes").
"""

from collections.abc import Sequence
from typing import Any

SCOPES: dict[str, str] = {
    "cases:read": "Read cases, their tasks, decisions, documents (and download them), events and 合議 requests",
    "cases:write": "Act on cases: claim, assign, request a correction (補正), record a review, comment",
    "cases:approve": "Approve or send back a draft (決裁), review a 代決 after the fact (後閲), answer a 合議",
    "inquiries:read": "Read inquiries (お問い合わせ)",
    "inquiries:write": "Answer and re-route inquiries",
    "webhooks:manage": "Register, change and rotate the secret of one's own webhook subscriptions",
}


class ClientScopes:
    """django-oauth-toolkit's scopes backend: a client may ask only for the scopes it was registered with."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return _registered(application)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        # A token request without `scope` gets every scope the client was registered with.
        return _registered(application)


def _registered(application: Any) -> list[str]:
    client = getattr(application, "integration_client", None) if application is not None else None
    if client is None or not client.is_active:
        return []
    return [scope for scope in client.scopes if scope in SCOPES]


def unknown_scopes(scopes: Sequence[str]) -> list[str]:
    return [scope for scope in scopes if scope not in SCOPES]
