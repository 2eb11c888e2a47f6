# SPDX-License-Identifier: MPL-2.0
"""The Yjs document on the server (pycrdt): loading stored updates, and its text and HTML.

The browser's editor (TipTap's Collaboration extension) keeps ProseMirror's tree in the Y XML
fragment named "default": elements named after the editor's nodes (`paragraph`, `heading` with a
`level`, `bulletList`, …) and text with the marks as attributes (`bold`, `italic`, `link` with an
`href`). The server reads that tree for versions and their diff.

Suggestions are two marks the editor's suggest mode puts on text: `suggestionInsert` (words
proposed) and `suggestionDelete` (words proposed for removal), each with the suggestion's `id` and
`author`. Until one is accepted, the text is as if it had not been made: a version, its diff and
its PDF leave proposed words out and keep the words proposed for removal. Accepting or rejecting
is the one edit the server makes (`resolve_suggestion`), sent to the editors as any change is.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

from pycrdt import Doc, XmlElement, XmlFragment, XmlText

YDoc = Doc[Any]
Node = XmlElement | XmlText | XmlFragment

FRAGMENT = "default"  # TipTap's Collaboration `field`

# Editor nodes → HTML elements. A node not listed (a newer editor's) is kept as a <div>.
_BLOCKS = {
    "paragraph": "p",
    "blockquote": "blockquote",
    "bulletList": "ul",
    "orderedList": "ol",
    "listItem": "li",
    "codeBlock": "pre",
}
_VOID = {"hardBreak": "<br>", "horizontalRule": "<hr>"}
_MARKS = (("bold", "strong"), ("italic", "em"), ("underline", "u"), ("strike", "s"), ("code", "code"))
INSERT, DELETE = "suggestionInsert", "suggestionDelete"  # the suggest mode's marks (assets/src/suggest.js)
# Blocks that end a line in the plain text (the diff compares lines).
_LINE_BLOCKS = {"paragraph", "heading", "codeBlock", "listItem"}


@dataclass(frozen=True)
class Suggestion:
    id: str
    kind: str  # INSERT or DELETE
    author: str
    text: str


class InvalidUpdate(ValueError):
    """Bytes that are not a Yjs update; nothing was applied."""


def load(state: bytes, updates: Iterable[bytes] = ()) -> YDoc:
    """A document from its compacted state and the updates appended since, in order."""
    doc: YDoc = Doc()
    for update in (state, *updates):
        if update:
            apply(doc, update)
    return doc


def apply(doc: YDoc, update: bytes) -> None:
    try:
        doc.apply_update(update)
    except ValueError as exc:  # pycrdt's decoder: truncated or malformed bytes
        raise InvalidUpdate(str(exc)) from exc


def fragment(doc: YDoc) -> XmlFragment:
    fragment: XmlFragment = doc.get(FRAGMENT, type=XmlFragment)
    return fragment


def to_html(doc: YDoc) -> str:
    return "".join(_html(node) for node in fragment(doc).children)


def to_text(doc: YDoc) -> str:
    lines: list[str] = []
    for node in fragment(doc).children:
        _lines(node, lines)
    return "\n".join(lines)


def _html(node: Node) -> str:
    if isinstance(node, XmlText):
        return "".join(_marked(str(chunk), attrs or {}) for chunk, attrs in node.diff() if not _proposed(attrs))
    tag = (node.tag if isinstance(node, XmlElement) else "") or ""
    if tag in _VOID:
        return _VOID[tag]
    inner = "".join(_html(child) for child in node.children)
    if tag == "heading" and isinstance(node, XmlElement):
        level = str(node.attributes.get("level") or "2")
        element = f"h{level}" if level in {"1", "2", "3", "4", "5", "6"} else "h2"
    else:
        element = _BLOCKS.get(tag, "div")
    if element == "pre":
        inner = f"<code>{inner}</code>"
    return f"<{element}>{inner}</{element}>"


def _marked(text: str, attrs: dict[str, object]) -> str:
    html = escape(text)
    for mark, element in _MARKS:
        if mark in attrs:
            html = f"<{element}>{html}</{element}>"
    return html


def _lines(node: Node, lines: list[str]) -> None:
    if isinstance(node, XmlText):
        if not lines:
            lines.append("")
        lines[-1] += "".join(str(chunk) for chunk, attrs in node.diff() if not _proposed(attrs))
        return
    tag = (node.tag if isinstance(node, XmlElement) else "") or ""
    if tag in _LINE_BLOCKS and not any(
        isinstance(child, XmlElement) and child.tag in _LINE_BLOCKS for child in node.children
    ):
        lines.append("")
    for child in node.children:
        if isinstance(child, XmlElement) and child.tag == "hardBreak":
            lines.append("")
        else:
            _lines(child, lines)


def _proposed(attrs: dict[str, object] | None) -> bool:
    return bool(attrs) and INSERT in attrs  # type: ignore[operator]


def _texts(node: Node) -> Iterator[XmlText]:
    if isinstance(node, XmlText):
        yield node
        return
    for child in node.children:
        yield from _texts(child)


def _marks(attrs: dict[str, object] | None) -> Iterator[tuple[str, dict[str, object]]]:
    for kind in (INSERT, DELETE):
        mark = (attrs or {}).get(kind)
        if isinstance(mark, dict) and mark.get("id"):
            yield kind, mark


def suggestions(doc: YDoc) -> list[Suggestion]:
    """Every open suggestion in the order of the text, its pieces joined (one id may span paragraphs)."""
    found: dict[str, Suggestion] = {}
    for text in _texts(fragment(doc)):
        for chunk, attrs in text.diff():
            for kind, mark in _marks(attrs):
                key = str(mark["id"])
                before = found.get(key)
                joined = (before.text if before else "") + str(chunk)
                found[key] = Suggestion(id=key, kind=kind, author=str(mark.get("author", "")), text=joined)
    return list(found.values())


def resolve_suggestion(doc: YDoc, suggestion_id: str, *, accept: bool) -> Suggestion | None:
    """Accept (keep the words proposed, remove those proposed for removal) or reject one suggestion.

    Edits `doc` in place and returns what was decided, or None when no text carries that id.
    """
    decided = next((s for s in suggestions(doc) if s.id == suggestion_id), None)
    if decided is None:
        return None
    with doc.transaction():
        for text in _texts(fragment(doc)):
            ranges: list[tuple[int, int, str]] = []
            offset = 0
            for chunk, attrs in text.diff():
                size = len(chunk.encode()) if isinstance(chunk, str) else 1  # pycrdt's offsets are UTF-8 bytes
                for kind, mark in _marks(attrs):
                    if str(mark["id"]) == suggestion_id:
                        ranges.append((offset, offset + size, kind))
                offset += size
            for start, end, kind in reversed(ranges):  # from the end, so earlier offsets hold
                if (kind == INSERT) == accept:
                    text.format(start, end, {kind: None})  # the words stay, unmarked
                else:
                    del text[start:end]
    return decided
