# SPDX-License-Identifier: MPL-2.0
"""`{% load documents %}{% documents_for application request.user %}`: the result documents one may see."""

from typing import Any

from django import template

from civicloop.classification.policy import NO_CONTEXT, Action, context_from_request, record_listed
from civicloop.core.language import is_english
from civicloop.documents.models import IssuedDocument

register = template.Library()


@register.inclusion_tag("documents/_list.html", takes_context=True)
def documents_for(context: template.Context, application: Any, user: Any) -> dict[str, Any]:
    """The application's issued documents that the policy shows `user` (a list, never a 403)."""
    request = context.get("request")
    policy_context = context_from_request(request) if request is not None else NO_CONTEXT
    english = is_english()
    # The list asks for what each link opens (DOWNLOAD: an auditor who may view the case but not
    # take its files away sees no link that would 404) and audits SECRET rows as the download would.
    documents = list(
        IssuedDocument.objects.visible_to(user, policy_context, action=Action.DOWNLOAD)
        .filter(case__application=application)
        .only(
            "public_id",
            "kind",
            "number",
            "title_ja",
            "title_en",
            "size",
            "issued_at",
            "verification_code",
            "classification",
        )
    )
    record_listed(user, Action.DOWNLOAD, documents, policy_context)
    return {
        "application": application,
        "documents": [{"document": d, "title": d.title_in(english)} for d in documents],
        # 文書番号 (2026-seiso-00001) is the department's filing number: staff file and quote it;
        # a resident knows the document by its title, its date and the application's receipt number.
        "shows_number": bool(getattr(user, "is_staff_member", False)),
    }
