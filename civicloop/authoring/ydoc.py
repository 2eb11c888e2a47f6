# SPDX-License-Identifier: MPL-2.0
"""The Yjs document on the server (pycrdt): loading stored updates, and its text and HTML.

The browser's editor (TipTap's Collaboration extension) keeps ProseMirror's tree in the Y XML
fragment named "default": elements named after the editor's nodes (`paragraph`, `heading` with a
`level`, `bulletList`, …) and text with the marks as attributes (`bold`, `italic`, `link` with an
`href`). The server reads that tree for versions and their diff; it never edits it.
"""

from collections.abc import Iterable
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
# Blocks that end a line in the plain text (the diff compares lines).
_LINE_BLOCKS = {"paragraph", "heading", "codeBlock", "listItem"}


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
        return "".join(_marked(str(chunk), attrs or {}) for chunk, attrs in node.diff())
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
        lines[-1] += "".join(str(chunk) for chunk, _attrs in node.diff())
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
