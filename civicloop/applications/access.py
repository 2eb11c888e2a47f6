# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view, API route or command reads an application or attachment.

Each applies the one policy (classification.policy). A denied read is a 404, never a 403, so that
guessing ids or receipt numbers tells nothing about what exists.
"""

from typing import Any
from uuid import UUID

from civicloop.applications.models import Application, Attachment
from civicloop.classification.policy import NO_CONTEXT, Action, Context, get_allowed
from civicloop.core.compiled import Param, compiled


def get_application_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT
) -> Application:
    """The application with this public id, if the policy lets `user` perform `action` on it."""
    application: Application = get_allowed(_application, user, action, context, public_id=public_id)
    return application


# Read on every application page, compiled once (core.compiled); public_id is unique: one row at most.
_application = compiled(
    lambda: Application.objects.select_related("procedure_version__procedure__department", "applicant").filter(
        public_id=Param("public_id", Application, "public_id")
    )[:2]
)


def get_attachment_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT
) -> Attachment:
    """The attachment with this public id, if the policy lets `user` perform `action` on it."""
    queryset = Attachment.objects.select_related("application__procedure_version__procedure__department")
    attachment: Attachment = get_allowed(queryset, user, action, context, public_id=public_id)
    return attachment
