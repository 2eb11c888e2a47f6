# SPDX-License-Identifier: MPL-2.0
"""Reactions to authoring's events, inside the recording transaction: signed-off minutes close a meeting's record."""

from civicloop.authoring.models import Document
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.meetings.actions import record_minutes_signed_off


@events.subscribe("authoring.signed_off")
def note_signed_off_minutes(event: Event) -> None:
    document = Document.objects.filter(public_id=event.data["document"], kind=Document.Kind.MINUTES).first()
    if document is not None:
        record_minutes_signed_off(document=document)
