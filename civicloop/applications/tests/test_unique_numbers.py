# SPDX-License-Identifier: MPL-2.0
"""The database itself refuses a second application with a receipt number already given, and a second
audit entry with a hash already in the chain (the constraints kept when their LIKE indexes went)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure
from civicloop.core import audit
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_receipt_number_is_given_once(sodai_gomi: Procedure, resident: User) -> None:
    def submitted() -> Application:
        return Application(procedure_version=sodai_gomi.current_version, applicant=resident, status="submitted")

    first = submitted()
    first.receipt_number = "2026-ABCD-EFGH"
    first.save()
    second = submitted()
    second.receipt_number = "2026-ABCD-EFGH"
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert Application.objects.filter(receipt_number="2026-ABCD-EFGH").count() == 1


def test_an_audit_hash_is_in_the_chain_once() -> None:
    entry = audit.record(actor="system", action="test.thing", object_type="thing", object_id="1")
    copy = AuditEntry(
        time=timezone.now(),
        actor="system",
        action="test.thing",
        object_type="thing",
        object_id="2",
        prev_hash=entry.hash,
        hash=entry.hash,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert AuditEntry.objects.filter(hash=entry.hash).count() == 1
