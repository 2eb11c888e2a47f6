# SPDX-License-Identifier: MPL-2.0
"""Reactions of the classification app to events of other apps, inside the recording transaction."""

from typing import Any

from django.apps import apps

from civicloop.classification import mynumber
from civicloop.core import audit, events, insert_batch
from civicloop.core.models import Event


def _submitted_application(event: Event) -> Any:
    instance = getattr(event, "instance", None)
    if instance is not None:
        return instance
    # This app sits below applications and does not import it; the model is looked up by name.
    model = apps.get_model("applications", "Application")
    return model._default_manager.get(public_id=event.subject.removeprefix("application/"))


@events.subscribe("application.submitted")
def move_my_number_out_of_the_answers(event: Event) -> None:
    """個人番号 typed into a form (answer `my_number`) goes to its own encrypted field on submission."""
    application = _submitted_application(event)
    answers = application.answers
    if not isinstance(answers, dict) or mynumber.ANSWER_KEY not in answers:
        return
    value = mynumber.normalize(answers[mynumber.ANSWER_KEY])
    application.answers = {k: v for k, v in answers.items() if k != mynumber.ANSWER_KEY}
    mynumber.seal_my_number(application, value)
    insert_batch.flush()  # the submission's rows may still be held: the update needs the row
    application.save(update_fields=["answers", mynumber.FIELD])
    audit.record(
        actor="system",
        action="my_number.store",
        object_type=application._meta.label_lower,
        object_id=str(application.public_id),
        data={"receipt_number": application.receipt_number},
        classification=application.classification,
    )
    events.record(
        "application.my_number_sealed",
        subject=f"application/{application.public_id}",
        data={"receipt_number": application.receipt_number},
        classification=application.classification,
    )
