# SPDX-License-Identifier: MPL-2.0
"""Markings for exported and printed documents (PDF, CSV), and the watermark of SECRET and above.

Every export carries its tier at the top and at the bottom; SECRET and TOP SECRET exports also carry
a watermark naming the person who exported and when, so a leaked copy says whose it was.

Use (an export view, after `decide(user, Action.EXPORT, obj, context)` allowed it):

    marking = marking_for(obj.classification, viewer=request.user)
    # CSV
    writer.writerows(mark_csv(rows, marking))
    # PDF (WeasyPrint): put marking.css() in the document's <style> and
    # {% include "classification/pdf_marking.html" with marking=marking %} first in <body>.

The document's own tier is the highest tier of what it contains: pass `highest(tiers)`.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from civicloop.classification.policy import HANDLING, Action, rank
from civicloop.core.models import Classification

LABELS: dict[str, tuple[str, str]] = {
    Classification.OFFICIAL: ("一般", "OFFICIAL"),
    Classification.SECRET: ("秘", "SECRET"),
    Classification.TOP_SECRET: ("極秘", "TOP SECRET"),
}

# One line each: what the tier's handling rules say about the copy in hand.
HANDLING_LINES: dict[str, tuple[str, str]] = {
    Classification.OFFICIAL: ("取扱い：通常の業務で利用できます。", "Handling: may be used in ordinary work."),
    Classification.SECRET: (
        "取扱い：電子メール送信禁止。出力・印刷は記録され透かしが入ります。限定されたチャンネルでのみ共有可。",
        "Handling: never e-mail. Exports and prints are logged and watermarked. Share in restricted channels only.",
    ),
    Classification.TOP_SECRET: (
        "取扱い：指名された者のみ。電子メール・チャット・出力・印刷は禁止。すべての閲覧が記録されます。",
        "Handling: named people only. No e-mail, chat, export or print. Every view is logged.",
    ),
}


def highest(tiers: Iterable[str]) -> str:
    """The tier of a document made of objects of these tiers."""
    return max(tiers, key=rank, default=Classification.OFFICIAL)


@dataclass(frozen=True)
class Marking:
    tier: str
    viewer_name: str
    at: datetime
    allowed: Sequence[Action] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        ja, en = LABELS[self.tier]
        return f"{en}（{ja}）"

    @property
    def handling(self) -> str:
        ja, en = HANDLING_LINES[self.tier]
        return f"{ja} / {en}"

    @property
    def line(self) -> str:
        """The marking printed at the top and the bottom."""
        return f"{self.label} — {self.handling}"

    @property
    def has_watermark(self) -> bool:
        return rank(self.tier) >= rank(Classification.SECRET)

    @property
    def watermark(self) -> str:
        """`<name> <time, Asia/Tokyo>`, or "" for OFFICIAL."""
        if not self.has_watermark:
            return ""
        return f"{self.viewer_name} {timezone.localtime(self.at).strftime('%Y-%m-%d %H:%M %Z')}"

    def css(self) -> str:
        """@page margin boxes for WeasyPrint: the marking at the top and the bottom of every page."""
        quoted = self.line.replace("\\", "\\\\").replace('"', '\\"')
        return (
            "@page { "
            f'@top-center {{ content: "{quoted}"; font-size: 8pt; font-weight: bold; }} '
            f'@bottom-center {{ content: "{quoted}"; font-size: 8pt; font-weight: bold; }} '
            "}\n"
            ".classification-watermark { position: fixed; top: 40%; left: 0; right: 0; text-align: center; "
            "transform: rotate(-30deg); font-size: 28pt; color: rgba(160, 0, 0, 0.15); z-index: 1000; }"
        )


def marking_for(tier: str, *, viewer: Any, at: datetime | None = None) -> Marking:
    """The marking for a document of `tier` exported or printed by `viewer` now (or at `at`)."""
    tier = str(Classification(tier))
    name = getattr(viewer, "display_name", "") or getattr(viewer, "username", "") or "anonymous"
    return Marking(
        tier=tier, viewer_name=name, at=at or timezone.now(), allowed=tuple(sorted(HANDLING[Classification(tier)]))
    )


def mark_csv(rows: Iterable[Sequence[Any]], marking: Marking) -> Iterator[list[Any]]:
    """The rows with the marking as the first and the last row (and the watermark beside it)."""
    head = [marking.line] + ([marking.watermark] if marking.has_watermark else [])
    yield head
    for row in rows:
        yield list(row)
    yield head
