# SPDX-License-Identifier: MPL-2.0
"""Reactions of the cases app to events of lower apps, run inside the recording transaction."""

from civicloop.applications.models import Application
from civicloop.cases.actions import open_case
from civicloop.core import events
from civicloop.core.models import Event


@events.subscribe("application.submitted")
def open_case_for_submission(event: Event) -> None:
    application = getattr(event, "instance", None)
    if not isinstance(application, Application):
        public_id = event.subject.removeprefix("application/")
        application = Application.objects.select_related("procedure_version__procedure").get(public_id=public_id)
    open_case(application=application)
