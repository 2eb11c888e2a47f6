# SPDX-License-Identifier: MPL-2.0
"""Access helpers: the only way a view or the admin opens a session or a question.

Both load by public id and ask `classification.policy.decide` once: about the object itself for
the secretariat (and oversight roles), or about `AssignedView` — the same tier and id, the
assigned department as owner — for a member of a department that answers it. Missing and refused
are the same 404.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.accounts.models import User
from civicloop.classification.policy import Action, Context, Protected, decide
from civicloop.council.models import AssignedView, Question, Session


def as_seen_by(user: Any, obj: Session | Question, answering: Iterable[str]) -> Protected:
    """What the policy is asked about: `obj`, or its assigned view for a member of an answering department."""
    if isinstance(user, User) and user.is_authenticated and user.is_staff_member:
        mine = set(user.departments.values_list("code", flat=True))
        shared = sorted(mine & set(answering))
        if obj.department_code not in mine and shared:
            return AssignedView(obj.classification, obj.public_id, shared[0])
    return obj


def may(user: Any, action: Action, obj: Session | Question, context: Context) -> bool:
    """`decide` on the object as this person sees it (see `as_seen_by`)."""
    if isinstance(obj, Session):
        answering = list(obj.questions.values_list("assignments__department__code", flat=True))
    else:
        answering = list(obj.assignments.values_list("department__code", flat=True))
    return decide(user, action, as_seen_by(user, obj, [code for code in answering if code]), context).allowed


def get_session_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Session:
    """The session with this public id if `user` may `action` it from this device; else 404."""
    try:
        session = Session.objects.select_related("department").filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if session is None or not may(user, action, session, context):
        raise Http404
    return session


def get_question_for_user(user: Any, public_id: UUID | str, *, action: Action, context: Context) -> Question:
    """The question with this public id if `user` may `action` it from this device; else 404."""
    try:
        question = Question.objects.select_related("session__department").filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if question is None or not may(user, action, question, context):
        raise Http404
    return question
