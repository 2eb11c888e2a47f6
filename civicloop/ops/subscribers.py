# SPDX-License-Identifier: MPL-2.0
"""The submissions counter of /metrics, from the `application.submitted` event."""

from django.db import transaction

from civicloop.core import events
from civicloop.core.models import Event
from civicloop.ops.metrics import SUBMISSIONS


@events.subscribe("application.submitted")
def count_submission(event: Event) -> None:
    """Counted after commit: a submission whose transaction rolls back never happened."""
    procedure = str(event.data.get("procedure", ""))
    transaction.on_commit(lambda: SUBMISSIONS.labels(procedure).inc(), robust=True)
