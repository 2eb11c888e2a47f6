# SPDX-License-Identifier: MPL-2.0
"""Integration clients: outside systems that call the back-office API with OAuth2 client credentials."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.models import Application


class IntegrationClient(models.Model):
    """One registered outside system, its OAuth2 application and the identity the policy judges it as.

    `service_user` is a staff account that never signs in (no usable password, no second factor, so
    no session): its clearance and departments are the client's declared clearance and department
    scope. Every read and every action asks the one policy about that account, so a client never
    sees or works more than a member of staff with the same clearance and departments would.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="integration_client")
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_client"
    )
    scopes = models.JSONField(default=list, help_text="The scopes the client may ask a token for.")
    rate_limit_per_minute = models.PositiveIntegerField(default=120, help_text="0: no limit.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
