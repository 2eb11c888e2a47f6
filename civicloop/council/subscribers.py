# SPDX-License-Identifier: MPL-2.0
"""Reactions to authoring's events, inside the recording transaction.

A 答弁書's sign-off (`authoring.signed_off`) finalises its council answer, and is refused — the
sign-off rolls back — unless every rank of the review chain approved the version.
"""

from civicloop.authoring.models import Document
from civicloop.core import events
from civicloop.core.models import Event
from civicloop.council.actions import finalise_answer


@events.subscribe("authoring.signed_off")
def finalise_signed_off_answer(event: Event) -> None:
    document = Document.objects.filter(public_id=event.data["document"], kind=Document.Kind.ANSWER).first()
    if document is not None:
        finalise_answer(document=document)
