# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view, the websocket or the admin opens a document or a version.

Both load by public id and ask `classification.policy.decide`; missing and refused are the same 404.
"""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.authoring.models import Comment, Document, Version
from civicloop.classification.policy import Action, Context, decide, get_allowed


def get_document_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Document:
    """The document with this public id if the policy lets `user` `action` it from this device; else 404."""
    document: Document = get_allowed(
        Document.objects.select_related("department", "case"), user, action, context, public_id=public_id
    )
    return document


def get_version_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Version:
    """The version with this public id if `user` may `action` its document; else 404."""
    version = Version.objects.select_related("document__department").filter(public_id=public_id).first()
    if version is None or not decide(user, action, version.document, context).allowed:
        raise Http404
    return version


def get_comment_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Comment:
    """The comment with this public id if `user` may `action` its document; else 404."""
    try:
        comment = Comment.objects.select_related("document__department").filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if comment is None or not decide(user, action, comment.document, context).allowed:
        raise Http404
    return comment
