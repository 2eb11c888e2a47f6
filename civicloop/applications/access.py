# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view, API route or command reads an application or attachment.

Each applies the one policy (classification.policy.decide). A denied read is a 404, never a 403,
so that guessing ids or receipt numbers tells nothing about what exists.
"""

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest

from civicloop.applications.models import Application, Attachment
from civicloop.classification.policy import NO_CONTEXT, Action, Context, decide


def request_context(request: HttpRequest) -> Context:
    return Context(guest_keys=frozenset(request.session.get("guest_keys", [])))


def get_application_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT
) -> Application:
    """The application with this public id, if the policy lets `user` perform `action` on it."""
    try:
        application = Application.objects.select_related("procedure_version__procedure__department", "applicant").get(
            public_id=public_id
        )
    except (Application.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not decide(user, action, application, context).allowed:
        raise Http404
    return application


def get_attachment_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT
) -> Attachment:
    """The attachment with this public id, if the policy lets `user` perform `action` on it."""
    try:
        attachment = Attachment.objects.select_related("application__procedure_version__procedure__department").get(
            public_id=public_id
        )
    except (Attachment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not decide(user, action, attachment, context).allowed:
        raise Http404
    return attachment
