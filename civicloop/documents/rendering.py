# SPDX-License-Identifier: MPL-2.0
"""From a decided case to the HTML and the unsigned PDF of its result document.

The PDF is WeasyPrint's rendering of a Django template per kind (templates/documents/pdf/), set in
Noto Serif CJK JP from Debian's fonts-noto-cjk, which WeasyPrint embeds as a subset: rare
characters in names (𠮷, 髙, 﨑) print and extract as text, whatever the reader's fonts.
"""

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import field_specs, summarize
from civicloop.core import events
from civicloop.core.models import Event

if TYPE_CHECKING:
    from civicloop.cases.models import Case

# The eras in force since the Shōwa era began; a document is dated in the era of its issue day.
ERAS = [(date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"), (date(1926, 12, 25), "昭和")]

# Name fields a procedure's form may use for the person who applies (procedures/*.yaml, IMI 氏名).
NAME_FIELDS = (
    "applicant",
    "requester",
    "claimant",
    "notifier",
    "registrant",
    "guardian",
    "household_head",
    "householder",
    "owner",
    "insured_person",
    "pregnant_person",
)


@dataclass(frozen=True)
class DocumentFacts:
    """What a result document states, apart from the case it is about."""

    kind: str
    outcome: str
    reason: str
    number: str
    verification_code: str
    issued_at: datetime
    is_demo: bool
    extra: Mapping[str, Any] = field(default_factory=dict)


def wareki(day: date) -> str:
    """The date in the Japanese era (和暦), as official notices print it: 令和8年4月1日, 令和元年5月1日."""
    for start, era in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def verification_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('documents:document-verify')}?code={code}"


def qr_data_uri(url: str) -> str:
    """The verification URL as a QR code (SVG), inlined so the renderer fetches nothing."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def addressee(case: "Case") -> str:
    """The applicant's name: the signed-in account's verified name, else the name given in the form."""
    application = case.application
    if application.applicant_id and application.applicant and application.applicant.full_name:
        return str(application.applicant.full_name)
    for name in NAME_FIELDS:
        value = application.answers.get(name)
        if isinstance(value, dict) and (value.get("family") or value.get("given")):
            return f"{value.get('family', '')} {value.get('given', '')}".strip()
    return "申請者"


def answer_rows(case: "Case") -> list[tuple[str, str]]:
    """The answers, as label/value rows in Japanese (the check-your-answers summary)."""
    application = case.application
    definition = Definition(application.procedure_version.definition)
    rows: list[tuple[str, str]] = []
    with translation.override("ja"):
        not_given = gettext("Not given")
        for step in definition.visible_steps(application.answers):
            for spec in field_specs(definition.schema, step.fields):
                for row in summarize(spec, application.answers.get(spec.path), english=False):
                    value = str(row.value).strip()
                    if value and value != not_given:  # an official notice lists what was stated
                        rows.append((str(row.label), value))
    return rows


def fee_paid_yen(case: "Case") -> int | None:
    """The fee the case's `case.fee_paid` event states (civicloop.cases), if the case had one."""
    event = (
        Event.objects.filter(type=events.TYPE_PREFIX + "case.fee_paid", subject=f"case/{case.public_id}")
        .order_by("-pk")
        .first()
    )
    amount = event.data.get("amount_yen") if event else None
    return amount if isinstance(amount, int) else None


def render_html(case: "Case", facts: DocumentFacts) -> str:
    """The document's HTML, always in Japanese: an official notice is issued in the official language."""
    application = case.application
    version = application.procedure_version
    definition = version.definition
    issued_day = timezone.localdate(facts.issued_at)
    submitted = timezone.localdate(application.submitted_at) if application.submitted_at else None
    url = verification_url(facts.verification_code)
    context = {
        "facts": facts,
        "lg_name": settings.LG_NAME_JA,
        "issuer": f"{settings.LG_NAME_JA}長",
        "department": case.department.name_ja,
        "addressee": addressee(case),
        "procedure_name": version.name_ja,
        "receipt_number": application.receipt_number,
        "submitted_wareki": wareki(submitted) if submitted else "",
        "issued_wareki": wareki(issued_day),
        "issued_western": f"{issued_day.year}年{issued_day.month}月{issued_day.day}日",
        "legal_basis": (definition.get("legal_basis") or {}).get("ja", ""),
        "rows": answer_rows(case),
        "is_refusal": facts.outcome == "reject",
        # 届出 (notifications) are filed, not applied for: the notice says which.
        "filing": "届出" if version.kind == "notification" else "申請",
        "verification_url": url,
        "qr": qr_data_uri(url),
        "fee_paid": f"{amount:,}円" if (amount := fee_paid_yen(case)) is not None else "",
    }
    with translation.override("ja"):
        return render_to_string(f"documents/pdf/{facts.kind}.html", context)


def render_pdf(html: str) -> bytes:
    """HTML to PDF with WeasyPrint (fonts embedded as subsets); unsigned."""
    # Only inlined data: the renderer never reaches the network or the file system for a template.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    if pdf is None:  # pragma: no cover - write_pdf returns bytes when no target is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)
