# SPDX-License-Identifier: MPL-2.0
"""What the case page reads about one case, each statement compiled once per process (core.compiled).

The case page reads a dozen lists of one case's rows on every request; as querysets the ORM built
and compiled each of them anew, a third of the page's CPU (bench/README.md, "Where the time
goes"). These have the same shape for every case and reader: the case (or its application) is the
only value. Reads that depend on who is reading (`visible_to`: related cases, documents) stay
querysets, built by the one policy each time.
"""

from django.db.models import Q

from civicloop.accounts.models import Department
from civicloop.applications.models import Application, Attachment
from civicloop.cases.models import ApprovalStep, CaseComment, CaseTask, Consultation, CorrectionRequest
from civicloop.core.compiled import Param, compiled
from civicloop.core.models import Event

approval_steps = compiled(
    lambda: ApprovalStep.objects.filter(case=Param("case", ApprovalStep, "case")).select_related(
        "acted_by", "post_reviewed_by"
    )
)
tasks = compiled(lambda: CaseTask.objects.filter(case=Param("case", CaseTask, "case")).select_related("completed_by"))
corrections = compiled(
    lambda: CorrectionRequest.objects.filter(case=Param("case", CorrectionRequest, "case")).order_by(
        "requested_at", "pk"
    )
)
consultations = compiled(
    lambda: Consultation.objects.filter(case=Param("case", Consultation, "case")).select_related(
        "department", "answered_by"
    )
)
comments = compiled(
    lambda: CaseComment.objects.filter(case=Param("case", CaseComment, "case")).select_related("author")
)
attachments = compiled(lambda: Attachment.objects.filter(application=Param("application", Attachment, "application")))
# The history: the events of the case and of its application (two subjects, one statement).
events = compiled(
    lambda: Event.objects.filter(
        Q(subject=Param("case_subject", Event, "subject")) | Q(subject=Param("application_subject", Event, "subject"))
    ).order_by("time", "pk")
)
# One row at most: does any application follow this one (a life-event bundle)?
first_follower = compiled(
    lambda: Application.objects.filter(follows=Param("application", Application, "follows")).only("pk")[:1]
)
# The departments a case can be sent to for 合議: every internal one but its own.
other_departments = compiled(
    lambda: Department.objects.exclude(pk=Param("department", Department, "id")).filter(is_external=False)
)
