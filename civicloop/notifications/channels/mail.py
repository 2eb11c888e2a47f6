# SPDX-License-Identifier: MPL-2.0
"""Email through Django's configured backend (SMTP in production, the console in development).

Each notice has one Message-ID for life, made from its public id (RFC 5322 §3.6.4: the same
message sent again keeps its identifier). A worker killed after the mail server accepted a notice
but before the outcome was recorded sends it again when its lease runs out (worker.py: delivery is
at least once); the second copy then carries the same Message-ID, and the receiving side collapses
it into the first (Gmail and Exchange Online do, as do `formail -D` and Sieve duplicate filters),
just as the LINE adapter's retry key and the SMS gateway's reference do for their channels.
"""

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from civicloop.notifications.channels.base import PermanentFailure

if TYPE_CHECKING:
    from civicloop.notifications.models import Message


def message_id(message: "Message") -> str:
    """The notice's Message-ID: the same on every attempt, unique across notices."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "civicloop.invalid"
    return f"<notice-{message.public_id}@{domain}>"


class EmailAdapter:
    def send(self, message: "Message") -> str:
        identifier = message_id(message)
        email = EmailMessage(
            subject=message.title,
            body=message.body,
            to=[message.address],
            headers={
                "Message-ID": identifier,
                # RFC 3834: auto-responders must not answer an automatic message.
                "Auto-Submitted": "auto-generated",
                "X-Civicloop-Notice": str(message.public_id),
            },
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused by the mail server: {exc}") from exc
        return identifier
