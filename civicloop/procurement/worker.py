# SPDX-License-Identifier: MPL-2.0
"""Expiry reminders for security declarations: a supplier hears 30 days and 7 days before one lapses.

A declaration that has lapsed stops counting for eligibility (`eligibility.py`), so a supplier
that forgets loses its place in every tender at once: the reminders give it time to renew. Each
threshold sends once per declaration (`reminded_for` holds the day of the last reminder).
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from civicloop.notifications.actions import notify
from civicloop.procurement.actions.recording import record
from civicloop.procurement.models import CONTRACTS_DEPARTMENT, SecurityDeclaration

THRESHOLDS_DAYS = (30, 7)
BATCH = 200
WORKER = "system/procurement-worker"


def run_once() -> int:
    return remind_expiring(timezone.localdate())


def _threshold_due(declaration: SecurityDeclaration, today: date) -> int | None:
    """The threshold (days) this declaration has reached and not yet been reminded of."""
    left = (declaration.expires_on - today).days
    for days in sorted(THRESHOLDS_DAYS):
        reached = left <= days
        reminded = (
            declaration.reminded_for is not None and (declaration.expires_on - declaration.reminded_for).days <= days
        )
        if reached and not reminded:
            return days
    return None


def remind_expiring(today: date, *, batch: int = BATCH) -> int:
    """Queue a reminder to each account of each supplier whose declaration nears expiry; returns how many declarations."""
    horizon = today + timedelta(days=max(THRESHOLDS_DAYS))
    candidates = SecurityDeclaration.objects.filter(expires_on__gte=today, expires_on__lte=horizon).select_related(
        "service__supplier"
    )
    sent = 0
    for declaration in candidates[:batch]:
        days = _threshold_due(declaration, today)
        if days is None:
            continue
        with transaction.atomic():
            service = declaration.service
            for user in service.supplier.users.filter(is_active=True):
                notify(
                    user,
                    "procurement.declaration_expiring",
                    {"service": service.name, "expires_on": declaration.expires_on, "days": days},
                    subject=f"procurement_service/{service.public_id}",
                    classification=declaration.classification,
                    dedupe_key=f"declaration-expiring/{service.public_id}/{declaration.expires_on}/{days}",
                    department=CONTRACTS_DEPARTMENT,
                )
            declaration.reminded_for = today
            declaration.save(update_fields=["reminded_for"])
            record(
                WORKER,
                "declaration_expiry_reminded",
                service,
                {"expires_on": declaration.expires_on.isoformat(), "days": days},
            )
        sent += 1
    return sent
