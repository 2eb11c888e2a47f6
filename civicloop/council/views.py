# SPDX-License-Identifier: MPL-2.0
"""Council Q&A pages: sessions, the status board, a question with its answers, the answer book.

Reads go through `access.get_session_for_user` / `get_question_for_user` or `visible_to`; every
write through an action, which checks the policy again.
"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.classification.policy import Action, NotPermitted, context_from_request, evaluate
from civicloop.council import actions, board, errors
from civicloop.council.access import get_question_for_user, get_session_for_user, may
from civicloop.council.forms import AssignForm, QuestionForm, SessionForm
from civicloop.council.models import SECRETARIAT, Assignment, Question, Session

LOGIN = "cases:staff-login"


def _is_secretariat(user: User) -> bool:
    return user.departments.filter(code=SECRETARIAT).exists()


@login_required(login_url=LOGIN)
def session_list(request: HttpRequest) -> HttpResponse:
    """The sessions this person may see, and (for the secretariat) a form to register one."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    form = SessionForm(request.POST or None) if _is_secretariat(user) else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            session = actions.register_session(**form.cleaned_data, created_by=user, context=context)
        except NotPermitted:
            form.add_error(None, _("You cannot register a session from this device."))
        else:
            return redirect("council:session-board", session.public_id)
    sessions = Session.objects.visible_to(user, context)
    return render(request, "council/session_list.html", {"sessions": sessions[:100], "form": form})


@login_required(login_url=LOGIN)
def session_board(request: HttpRequest, public_id: str) -> HttpResponse:
    """The status board; the secretariat also registers questions here."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    session = get_session_for_user(user, public_id, action=Action.VIEW, context=context)
    may_work = evaluate(user, Action.WORK, session, context).allowed
    form = QuestionForm(request.POST or None) if may_work else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            question = actions.register_question(
                session=session, **form.cleaned_data, registered_by=user, context=context
            )
        except errors.DuplicateQuestionNumber:
            form.add_error("number", _("This session already has a question with this number."))
        except NotPermitted:
            raise Http404 from None
        else:
            flash.success(request, _("Question %(number)s registered.") % {"number": question.number})
            return redirect("council:session-board", session.public_id)
    questions = board.with_board_facts(Question.objects.visible_to(user, context).filter(session=session))
    return render(
        request,
        "council/session_board.html",
        {
            "session": session,
            "rows": board.rows(list(questions)),
            "form": form,
            "may_export": evaluate(user, Action.EXPORT, session, context).allowed,
        },
    )


@login_required(login_url=LOGIN)
def question_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    question = get_question_for_user(user, public_id, action=Action.VIEW, context=context)
    row = board.rows(list(board.with_board_facts(Question.objects.filter(pk=question.pk))))[0]
    mine = set(user.departments.values_list("pk", flat=True))
    return render(
        request,
        "council/question_detail.html",
        {
            "question": question,
            "row": row,
            "mine": mine,
            "assign_form": AssignForm() if evaluate(user, Action.WORK, question, context).allowed else None,
        },
    )


@require_POST
@login_required(login_url=LOGIN)
def question_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    question = get_question_for_user(user, public_id, action=Action.VIEW, context=context)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            actions.assign_question(
                question=question, department=form.cleaned_data["department"], assigned_by=user, context=context
            )
            flash.success(request, _("Assigned."))
        except errors.AlreadyAssigned:
            flash.error(request, _("This department already answers this question."))
        except NotPermitted:
            raise Http404 from None
    return redirect("council:question-detail", question.public_id)


def _assignment(request: HttpRequest, public_id: str) -> tuple[User, Assignment]:
    user = staff_member_or_404(request)
    assignment = Assignment.objects.select_related("question__session__department").filter(public_id=public_id).first()
    if assignment is None or not may(user, Action.VIEW, assignment.question, context_from_request(request)):
        raise Http404
    return user, assignment


@require_POST
@login_required(login_url=LOGIN)
def answer_start(request: HttpRequest, public_id: str) -> HttpResponse:
    user, assignment = _assignment(request, public_id)
    try:
        document = actions.start_answer(assignment=assignment, drafter=user, context=context_from_request(request))
    except NotPermitted:
        raise Http404 from None
    return redirect("authoring:document-detail", document.public_id)


ADVANCE_ERRORS = {
    errors.NoVersion: gettext_lazy("Save a version of the answer first."),
    errors.AlreadyFinalised: gettext_lazy("This answer is already final."),
    errors.AwaitingReview: gettext_lazy("Waiting for a reviewer's decision."),
    errors.ChangesRequested: gettext_lazy("Changes were requested: save a new version, then send it again."),
    errors.NoPositionHolder: gettext_lazy("Nobody holds the next rank of the review chain."),
}


@require_POST
@login_required(login_url=LOGIN)
def answer_advance(request: HttpRequest, public_id: str) -> HttpResponse:
    """Send the answer to the next reviewer of the chain, or finalise it."""
    user, assignment = _assignment(request, public_id)
    try:
        advance = actions.advance_answer(assignment=assignment, actor=user, context=context_from_request(request))
    except NotPermitted:
        raise Http404 from None
    except tuple(ADVANCE_ERRORS) as refused:
        flash.error(request, str(ADVANCE_ERRORS[type(refused)]))
    else:
        if advance.finalised:
            flash.success(request, _("The answer is final."))
        else:
            flash.success(
                request,
                _("Sent to %(name)s for review.") % {"name": advance.reviewer.display_name if advance.reviewer else ""},
            )
    return redirect("council:question-detail", assignment.question.public_id)


@login_required(login_url=LOGIN)
def answer_book(request: HttpRequest, public_id: str) -> HttpResponse:
    """The answer book PDF, for those who may export the session (the secretariat)."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    session = get_session_for_user(user, public_id, action=Action.VIEW, context=context)
    try:
        book = actions.compile_answer_book(session=session, compiled_by=user, context=context)
    except NotPermitted:
        raise Http404 from None
    response = HttpResponse(book.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{book.filename}"'
    return response
