# SPDX-License-Identifier: MPL-2.0
"""The session's answer book (答弁書集): questions in order, each with its signed-off answers.

An answer that is not signed off is printed as 未確定, never its draft. The PDF goes through the
result documents' renderer (`documents.rendering.render_pdf`, WeasyPrint) with the classification
marking at the top and bottom of every page; the table of contents gets its page numbers from
WeasyPrint's `target-counter`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from civicloop.accounts.models import User
from civicloop.classification.marking import highest, marking_for
from civicloop.council.models import Assignment, Question, Session
from civicloop.documents.rendering import render_pdf, wareki


@dataclass(frozen=True)
class Answer:
    department: str
    html: SafeString | None  # None: not signed off (未確定)
    signed_off_on: str


@dataclass(frozen=True)
class Entry:
    anchor: str
    number: int
    kind: str
    member_name: str
    subject: str
    text: str
    answers: list[Answer]
    classification: str

    @property
    def is_final(self) -> bool:
        return bool(self.answers) and all(answer.html is not None for answer in self.answers)


@dataclass(frozen=True)
class AnswerBook:
    pdf: bytes
    filename: str
    tier: str


def _answer(assignment: Assignment) -> tuple[Answer, str]:
    document = assignment.document
    department = assignment.department.name_ja
    version = document.versions.filter(signed_off_at__isnull=False).first() if document else None
    if document is None or version is None or not document.is_signed_off or not version.is_intact():
        return Answer(department, None, ""), "OFFICIAL"
    # The version's HTML is the server's own rendering of the Y document (authoring.ydoc.to_html), text escaped.
    day = wareki(timezone.localdate(version.signed_off_at))
    return Answer(department, mark_safe(version.html), day), document.classification  # noqa: S308


def _japanese(label: object) -> str:
    with translation.override("ja"):
        return str(label)


def entries(session: Session) -> list[Entry]:
    """Every question of the session in question order, with its answers (signed off or 未確定)."""
    rows = []
    questions = Question.objects.filter(session=session).order_by("number")
    for question in questions.prefetch_related("assignments__department", "assignments__document"):
        answers, tiers = [], [question.classification]
        for assignment in question.assignments.all():
            answer, tier = _answer(assignment)
            answers.append(answer)
            tiers.append(tier)
        rows.append(
            Entry(
                anchor=f"q{question.number}",
                number=question.number,
                kind=_japanese(question.get_kind_display()),
                member_name=question.member_name,
                subject=question.subject,
                text=question.text,
                answers=answers,
                classification=highest(tiers),
            )
        )
    return rows


def render(session: Session, rows: list[Entry], *, tier: str, viewer: User) -> AnswerBook:
    """The PDF, always in Japanese (the council's language), marked with the book's tier."""
    marking = marking_for(tier, viewer=viewer)
    context = {
        "session": session,
        "entries": rows,
        "marking": marking,
        "lg_name": settings.LG_NAME_JA,
        "compiled_wareki": wareki(timezone.localdate()),
        "period": f"{wareki(session.opens_on)}〜{wareki(session.closes_on)}",
    }
    with translation.override("ja"):
        html = render_to_string("council/pdf/answer_book.html", context)
    return AnswerBook(pdf=render_pdf(html), filename=f"answer-book-{session.public_id}.pdf", tier=tier)
