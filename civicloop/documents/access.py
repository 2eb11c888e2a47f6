# SPDX-License-Identifier: MPL-2.0
"""Access helper: the only way a view reads an issued document (the one policy; refused = 404)."""

from typing import Any
from uuid import UUID

from civicloop.classification.policy import NO_CONTEXT, Action, Context, get_allowed
from civicloop.documents.models import IssuedDocument


def get_document_for_user(
    user: Any, public_id: UUID | str, *, action: Action, context: Context = NO_CONTEXT
) -> IssuedDocument:
    """The document with this public id, if the policy lets `user` perform `action` on it; else 404."""
    queryset = IssuedDocument.objects.select_related(
        "case__department", "case__application__applicant", "case__application__procedure_version"
    )
    document: IssuedDocument = get_allowed(queryset, user, action, context, public_id=public_id)
    return document
