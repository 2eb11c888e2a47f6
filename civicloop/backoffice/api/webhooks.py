# SPDX-License-Identifier: MPL-2.0
"""The caller's own webhook subscriptions, through civicloop.relay's actions.

A subscription registered here receives the events of the caller's own departments only (an
integration client's declared ones; relay.actions.departments_for); managing one needs the Django
permissions of the admin's webhook page as well as the scope; each caller sees and changes only its own.
"""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.errors import AuthorizationError

from civicloop.backoffice.api.schemas import WebhookIn, WebhookOut, WebhookSecretOut, domain_errors, responses
from civicloop.backoffice.auth import Principal, auth_for, principal_of
from civicloop.relay import actions
from civicloop.relay.models import WebhookSubscription

router = Router(tags=["back office: webhooks"])
MANAGE = auth_for("webhooks:manage")


def webhook_out(subscription: WebhookSubscription, *, secret: bool = False) -> dict[str, Any]:
    out = {
        "id": subscription.public_id,
        "name": subscription.name,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "max_classification": subscription.max_classification,
        "departments": list(subscription.departments),
        "is_active": subscription.is_active,
        "health": subscription.health,
        "created_at": subscription.created_at,
    }
    return {**out, "secret": subscription.secret} if secret else out


def _manager(request: HttpRequest, permission: str) -> Principal:
    principal = principal_of(request)
    if not principal.user.has_perm(f"relay.{permission}_webhooksubscription"):
        raise AuthorizationError(message="managing webhook subscriptions needs the admin's webhook permission")
    return principal


def _own(principal: Principal, subscription_id: UUID) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.filter(public_id=subscription_id, created_by=principal.user).first()
    if subscription is None:
        raise Http404
    return subscription


@router.get("/webhooks", response=responses(list[WebhookOut]), auth=MANAGE, summary="My webhook subscriptions")
def list_webhooks(request: HttpRequest) -> list[dict[str, Any]]:
    principal = _manager(request, "view")
    return [
        webhook_out(s) for s in WebhookSubscription.objects.filter(created_by=principal.user).order_by("created_at")
    ]


@router.post("/webhooks", response=responses(WebhookSecretOut, 201), auth=MANAGE, summary="Subscribe")
def register_webhook(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, Any]]:
    principal = _manager(request, "add")
    with domain_errors():
        subscription = actions.register_subscription(
            name=payload.name,
            url=payload.url,
            event_types=payload.event_types,
            max_classification=payload.max_classification,
            by=principal.user,
        )
    if not payload.is_active:
        subscription = _update(principal, subscription, payload)
    return Status(201, webhook_out(subscription, secret=True))


@router.get("/webhooks/{subscription_id}", response=responses(WebhookOut), auth=MANAGE, summary="One subscription")
def get_webhook(request: HttpRequest, subscription_id: UUID) -> dict[str, Any]:
    return webhook_out(_own(_manager(request, "view"), subscription_id))


@router.put("/webhooks/{subscription_id}", response=responses(WebhookOut), auth=MANAGE, summary="Change it")
def update_webhook(request: HttpRequest, subscription_id: UUID, payload: WebhookIn) -> dict[str, Any]:
    principal = _manager(request, "change")
    return webhook_out(_update(principal, _own(principal, subscription_id), payload))


def _update(principal: Principal, subscription: WebhookSubscription, payload: WebhookIn) -> WebhookSubscription:
    with domain_errors():
        return actions.update_subscription(
            subscription=subscription,
            name=payload.name,
            url=payload.url,
            event_types=payload.event_types,
            max_classification=payload.max_classification,
            is_active=payload.is_active,
            by=principal.user,
        )


@router.post(
    "/webhooks/{subscription_id}/rotate-secret", response=responses(WebhookSecretOut), auth=MANAGE, summary="New secret"
)
def rotate_secret(request: HttpRequest, subscription_id: UUID) -> dict[str, Any]:
    principal = _manager(request, "change")
    subscription = _own(principal, subscription_id)
    with domain_errors():
        rotated = actions.rotate_secret(subscription=subscription, by=principal.user)
    return webhook_out(rotated, secret=True)
