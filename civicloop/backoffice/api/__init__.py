# SPDX-License-Identifier: MPL-2.0
"""The back-office API, version 1, mounted at /api/v1/backoffice (config/api.py; docs/api.md)."""

from ninja import Router

from civicloop.backoffice.api import approvals, cases, downloads, inquiries, webhooks
from civicloop.backoffice.auth import PerClientThrottle

router = Router(throttle=PerClientThrottle())
router.add_router("", cases.router)
router.add_router("", approvals.router)
router.add_router("", downloads.router)
router.add_router("", inquiries.router)
router.add_router("", webhooks.router)
