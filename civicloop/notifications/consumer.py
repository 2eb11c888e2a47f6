# SPDX-License-Identifier: MPL-2.0
"""The receipt notice, queued by the event relay once the submission has committed (docs/relay.md).

Queued inside the submission's transaction, the notice cost about a quarter of a submission's CPU
(the recipient's preferences, the de-duplication check, rendering it for the portal and for
e-mail, the insert) and four statements, all before the resident saw the receipt number. The
relay hands each committed `application.submitted` event to `apply` at least once, inside the
transaction that advances this consumer's checkpoint (`settings.EVENT_CONSUMERS["notifications"]`):

- never lost: the event is in the outbox with the application; until the notices and the
  checkpoint commit together, the relay hands the event again;
- never twice: a redelivered event finds its notice by the de-duplication key (the event id),
  which the in-process subscriber used before, so events queued by either are queued once.

The other notices stay in-process subscribers (subscribers.py): they follow a clerk's step, whose
response does not wait on a resident.
"""

import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from civicloop.applications.models import Application
from civicloop.core.events import TYPE_PREFIX
from civicloop.core.models import Event
from civicloop.notifications.actions import Notice, notify_all
from civicloop.notifications.subscribers import receipt_notice

log = logging.getLogger("civicloop.notifications")
SUBMITTED = TYPE_PREFIX + "application.submitted"


def apply(events: Sequence[Event]) -> None:
    """Queue the receipt notices of the batch's submissions: four statements for the whole batch."""
    submitted = [event for event in events if event.type == SUBMITTED]
    if not submitted:
        return
    # The notice names the procedure; its definition (the whole form, ~7 kB of JSON) is not read.
    found = (
        Application.objects.select_related("applicant", "procedure_version")
        .defer("procedure_version__definition")
        .filter(public_id__in=[event.subject.removeprefix("application/") for event in submitted])
    )
    applications = {f"application/{application.public_id}": application for application in found}
    notices = []
    for event in submitted:
        application = applications.get(event.subject)
        if application is None:  # never deleted today; a notice about nothing is not worth a stuck relay
            log.warning("application.submitted %s: no application %s, no receipt notice", event.id, event.subject)
            continue
        notice = receipt_notice(event, application)
        if notice is not None and _deliverable(notice):
            notices.append(notice)
    notify_all(notices)


def _deliverable(notice: Notice) -> bool:
    """A guest's address was checked when they gave it; one that is not an address would stop the relay."""
    if isinstance(notice.recipient, str):
        try:
            validate_email(notice.recipient.strip())
        except ValidationError:
            log.warning(
                "receipt notice %s: %r is not an e-mail address; not queued", notice.dedupe_key, notice.recipient
            )
            return False
    return True
