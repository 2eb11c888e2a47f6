# SPDX-License-Identifier: MPL-2.0
"""Email through Django's configured backend (SMTP in production, the console in development)."""

import smtplib
from typing import TYPE_CHECKING

from django.core.mail import EmailMessage

from civicloop.notifications.channels.base import PermanentFailure

if TYPE_CHECKING:
    from civicloop.notifications.models import Message


class EmailAdapter:
    def send(self, message: "Message") -> str:
        email = EmailMessage(
            subject=message.title,
            body=message.body,
            to=[message.address],
            # RFC 3834: auto-responders must not answer an automatic message.
            headers={"Auto-Submitted": "auto-generated", "X-Civicloop-Notice": str(message.public_id)},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused by the mail server: {exc}") from exc
        return ""
