# SPDX-License-Identifier: MPL-2.0
"""Registering, rotating the secret of and retiring integration clients (`manage.py manage_api_clients`)."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import transaction
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import Application, get_access_token_model

from civicloop.accounts.models import Department, User
from civicloop.backoffice.errors import BadClient
from civicloop.backoffice.models import IntegrationClient
from civicloop.backoffice.scopes import unknown_scopes
from civicloop.core import audit
from civicloop.core.models import Classification

# A subscription receives events of every department (civicloop.relay), so managing one needs the
# same Django permissions as the admin's webhook page; a client registered with the scope gets them.
WEBHOOK_PERMISSIONS = ("view_webhooksubscription", "add_webhooksubscription", "change_webhooksubscription")


@dataclass(frozen=True)
class Registered:
    client: IntegrationClient
    client_id: str
    client_secret: str  # shown once: django-oauth-toolkit keeps only its hash


def register_client(
    *,
    name: str,
    departments: Sequence[Department],
    clearance: str,
    scopes: Sequence[str],
    rate_limit_per_minute: int,
    by: User | None,
) -> Registered:
    """Register an outside system: its OAuth2 application and the service account the policy judges.

    The clearance is at most SECRET: the handling table never lets TOP SECRET out through the API.
    """
    if clearance not in (Classification.OFFICIAL, Classification.SECRET):
        raise BadClient("a client's clearance is OFFICIAL or SECRET (TOP SECRET never leaves through the API)")
    if not departments:
        raise BadClient("name at least one department the client works for")
    if bad := unknown_scopes(scopes):
        raise BadClient(f"unknown scopes: {', '.join(bad)}")
    client_id, client_secret = generate_client_id(), generate_client_secret()
    with transaction.atomic():
        service_user = User.objects.create(
            username=f"api-client-{secrets.token_hex(6)}",
            kind=User.Kind.STAFF,
            full_name=f"API: {name}",
            clearance=clearance,
        )
        service_user.set_unusable_password()
        service_user.save(update_fields=["password"])
        service_user.departments.set(departments)
        if "webhooks:manage" in scopes:
            service_user.user_permissions.set(
                Permission.objects.filter(content_type__app_label="relay", codename__in=WEBHOOK_PERMISSIONS)
            )
        application = Application.objects.create(
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            user=service_user,
        )
        client = IntegrationClient.objects.create(
            name=name,
            application=application,
            service_user=service_user,
            scopes=list(dict.fromkeys(scopes)),
            rate_limit_per_minute=rate_limit_per_minute,
            created_by=by,
        )
        _audit(by, "api_client.register", client)
    return Registered(client, client_id, client_secret)


def rotate_client_secret(*, client: IntegrationClient, by: User | None) -> Registered:
    """A new client secret, shown once; the old one stops working and the tokens issued under it are
    revoked at once (a rotation is usually because the secret may have leaked)."""
    with transaction.atomic():
        locked = IntegrationClient.objects.select_for_update().select_related("application").get(pk=client.pk)
        if not locked.is_active:
            raise BadClient("a retired client gets no new secret; register a new client instead")
        secret = generate_client_secret()
        application = locked.application
        application.client_secret = secret
        application.save(update_fields=["client_secret"])
        get_access_token_model().objects.filter(application_id=application.pk).delete()
        _audit(by, "api_client.rotate_secret", locked)
    return Registered(locked, application.client_id, secret)


def deactivate_client(*, client: IntegrationClient, by: User | None) -> IntegrationClient:
    """Retire a client: its tokens are deleted at once and it can get no new one; its service account
    is deactivated too, so nothing else treats it as a working member of staff."""
    with transaction.atomic():
        locked = IntegrationClient.objects.select_for_update().get(pk=client.pk)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        User.objects.filter(pk=locked.service_user_id).update(is_active=False)
        get_access_token_model().objects.filter(application_id=locked.application_id).delete()
        # A secret nobody holds (django-oauth-toolkit stores its hash): the token endpoint refuses
        # the client's own secret from now on, rather than issuing a token without scopes.
        application = locked.application
        application.client_secret = generate_client_secret()
        application.save(update_fields=["client_secret"])
        _audit(by, "api_client.deactivate", locked)
    return locked


def _audit(by: User | None, action: str, client: IntegrationClient) -> None:
    user = client.service_user
    audit.record(
        actor=by.username if by is not None else "system",
        action=action,
        object_type="backoffice.integrationclient",
        object_id=str(client.public_id),
        data={
            "name": client.name,
            "scopes": list(client.scopes),
            "clearance": user.clearance,
            "departments": sorted(user.departments.values_list("code", flat=True)),
            "rate_limit_per_minute": client.rate_limit_per_minute,
            "active": client.is_active,
        },
    )
