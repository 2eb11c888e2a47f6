# SPDX-License-Identifier: MPL-2.0
"""Every token issued to an integration client is in the audit log (who, which scopes, until when)."""

from typing import Any

from django.dispatch import receiver
from oauth2_provider.signals import app_authorized

from civicloop.core import audit


@receiver(app_authorized, dispatch_uid="civicloop.backoffice.token_issued")
def audit_token_issued(sender: Any, request: Any, token: Any, **kwargs: Any) -> None:
    client = getattr(token.application, "integration_client", None)
    audit.record(
        actor=f"api-client/{client.public_id}" if client is not None else f"oauth-app/{token.application_id}",
        action="api_client.token_issued",
        object_type="oauth2_provider.accesstoken",
        object_id=str(token.pk),
        data={"scopes": token.scope.split(), "expires": token.expires.isoformat()},
    )
