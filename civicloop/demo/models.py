# SPDX-License-Identifier: MPL-2.0
from django.db import models


class DemoGrant(models.Model):
    """An authorization code (single use) and the access token it became, for the demo provider."""

    code_hash = models.CharField(max_length=64, unique=True)
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    subject = models.CharField(max_length=100)
    client_id = models.CharField(max_length=100)
    redirect_uri = models.CharField(max_length=500)
    code_challenge = models.CharField(max_length=128)
    nonce = models.CharField(max_length=255, blank=True)
    scope = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
