# SPDX-License-Identifier: MPL-2.0
"""Turning a template code, a language and a context into the text each channel carries.

Templates are files, `templates/notifications/<code>/<lang>/{subject,body,short}.txt`, rendered
by a Django template engine of their own with autoescaping off (plain text: an "&" in a
procedure name must stay "&"). Files rather than database rows because the wording and the
context that fills it change together: one review, one commit, one test that renders them all;
a municipality that rewords a notice edits a file in its checkout, as it does the catalogue.

SECRET and above never leave the site in full: email, SMS, LINE and webhooks get the
`_classified` notice ("you have a new notice, sign in to see it") and only the portal inbox,
behind the access policy, holds the rendered text (DOMAIN.md: no email for SECRET).
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation

from civicloop.core.language import is_english
from civicloop.core.models import Classification

# Every notice the platform sends. A test renders each one in each language.
TEMPLATE_CODES = frozenset(
    {
        "application.received",
        "case.correction_requested",
        "case.decided",
        "case.withdrawn",
        "payment.requested",  # civicloop.payments: the fee is due (amount, link to 支払う)
        "payment.received",  # civicloop.payments: the fee was received (amount, 領収番号, link to the 領収書)
        "payment.paid_twice",  # civicloop.payments: a second payment of a paid fee, kept to be given back
        "payment.refunded",  # civicloop.payments: money given back (how: card/provider, cash, transfer)
        "document.issued",
        "case.reminder",
        "case.approval_pending",
        "case.correction_resubmitted",
        "inquiry.answered",
        "chat.mentioned",  # civicloop.collab: an @mention in a chat channel
        "authoring.review_requested",  # civicloop.authoring: a reviewer is asked to review a version
        "authoring.review_decided",  # civicloop.authoring: the requester hears the reviewer's decision
        "procurement.declaration_expiring",  # civicloop.procurement: a supplier's security declaration lapses soon
    }
)
CLASSIFIED = "_classified"
LANGUAGES = ("ja", "en")
PARTS = ("subject", "body", "short")


class UnknownTemplate(ValueError):
    """notify() was called with a template code that has no files."""


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    short: str  # for SMS and LINE: one or two lines with a link


@functools.cache
def _engine() -> Engine:
    template_settings: dict[str, Any] = settings.TEMPLATES[0]
    dirs = [str(d) for d in template_settings["DIRS"]]
    return Engine(dirs=dirs, autoescape=False, debug=False)


def language_of(value: str | None) -> str:
    """One of LANGUAGES: English only when asked for, Japanese otherwise (the site's default)."""
    return "en" if value and is_english(value) else "ja"


def render(code: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """Render the three parts of one notice in one language."""
    if code not in TEMPLATE_CODES and code != CLASSIFIED:
        raise UnknownTemplate(code)
    language = language_of(language)
    values = {
        "lg_name": settings.LG_NAME_EN if language == "en" else settings.LG_NAME_JA,
        "site_url": settings.SITE_URL,
        **context,
    }
    parts: dict[str, str] = {}
    with translation.override(language):
        for part in PARTS:
            template = _engine().get_template(f"notifications/{code}/{language}/{part}.txt")
            parts[part] = template.render(Context(values, autoescape=False)).strip()
    # A subject is one line whatever the template did; an email header cannot hold a newline.
    title = " ".join(parts["subject"].split())[:300]
    return Rendered(title=title, body=parts["body"] + "\n", short=parts["short"])


def is_classified(classification: str) -> bool:
    return classification != Classification.OFFICIAL


def render_for_outside(code: str, language: str, classification: str, context: Mapping[str, Any]) -> Rendered:
    """What may leave the site (email, SMS, LINE, webhook): the notice itself, or for SECRET+ only a pointer."""
    if is_classified(classification):
        return render(
            CLASSIFIED,
            language,
            {"notice_url": context.get("notice_url", ""), "inbox_url": context.get("inbox_url", "")},
        )
    return render(code, language, context)


def render_footer(language: str, context: Mapping[str, Any]) -> str:
    """The lines under every email: who sent it, that replies go nowhere, where to change channels."""
    language = language_of(language)
    values = {"lg_name": settings.LG_NAME_EN if language == "en" else settings.LG_NAME_JA, **context}
    with translation.override(language):
        return (
            _engine()
            .get_template(f"notifications/_footer/{language}.txt")
            .render(Context(values, autoescape=False))
            .strip()
            + "\n"
        )
