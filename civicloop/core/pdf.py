# SPDX-License-Identifier: MPL-2.0
"""Active content in uploaded PDFs: what would run on a member of staff's machine when they open one.

A resident's PDF is opened by staff in their viewer. JavaScript, launch actions, embedded files,
rich media, XFA forms and automatic actions (/AA) turn a document into a program, so an uploaded
PDF that holds any of them is refused with the reason, never stored (issue 10).

The document is parsed (pyHanko's reader, already a dependency for signing), not scanned as
bytes: object streams are compressed and names may be hex-escaped (`/Java#53cript`), so a byte
scan alone misses what a viewer finds. Every object of every revision is visited, whatever refers
to it — the catalogue's /OpenAction and /Names → /JavaScript, pages' /AA, annotations' /A and
/AA, outline items, form fields — and a PDF the parser cannot read is refused too: a viewer may
repair what the parser rejects and find objects the check never saw. A byte scan for a few long
names is kept as a second net for objects outside the cross-reference table (ones a repairing
viewer could still find).
"""

from collections.abc import Iterator
from io import BytesIO
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader

JAVASCRIPT = _("JavaScript")
LAUNCH = _("starting another program")
EMBEDDED = _("embedded files")
MEDIA = _("multimedia")
AUTOMATIC = _("actions that run by themselves")
XFA = _("an XFA form")
OTHER_ACTION = _("actions that act outside the document")

# Keys whose presence anywhere in the document makes it active.
ACTIVE_KEYS: dict[str, Promise] = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,  # the document-level scripts of the catalogue's /Names
    "/AA": AUTOMATIC,  # additional actions: on open, close, page view, field focus, print ...
    "/XFA": XFA,
    "/EmbeddedFiles": EMBEDDED,
    "/EF": EMBEDDED,
    "/RichMediaContent": MEDIA,
}
# /Type or /Subtype values that are active content themselves.
ACTIVE_TYPES: dict[str, Promise] = {
    "/EmbeddedFile": EMBEDDED,
    "/FileAttachment": EMBEDDED,
    "/RichMedia": MEDIA,
    "/Movie": MEDIA,
    "/Sound": MEDIA,
    "/Screen": MEDIA,
    "/3D": MEDIA,
}
# Keys whose value is an action (ISO 32000-2, 12.6): on a link, an outline item, the catalogue.
ACTION_KEYS = ("/A", "/OpenAction", "/Next", "/PA")
# Action types that only move within the document or follow a link the viewer asks about. Every
# other type (JavaScript, Launch, SubmitForm, ImportData, GoToR, GoToE, Rendition, Hide …) is refused.
SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
ACTION_LABELS: dict[str, Promise] = {"/JavaScript": JAVASCRIPT, "/Launch": LAUNCH, "/RichMediaExecute": MEDIA}
# Long names only: a short one (/JS) turns up by chance in compressed image data.
RAW_NAMES: dict[bytes, Promise] = {
    b"/JavaScript": JAVASCRIPT,
    b"/Launch": LAUNCH,
    b"/EmbeddedFile": EMBEDDED,
    b"/RichMedia": MEDIA,
}


class PdfUnreadable(Exception):
    """The file does not parse as a PDF (damaged, truncated, hostile) or is password-protected."""


def find_active_content(stream: IO[bytes]) -> list[str]:
    """The kinds of active content in the PDF, translated and without repeats; empty if it has none.

    Raises PdfUnreadable when the document cannot be read. The stream is read whole (uploads are
    limited to a few MB) and left at its start.
    """
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    found: dict[str, None] = {}
    for label in _parsed(data):
        found[str(label)] = None
    for raw, label in RAW_NAMES.items():
        if raw in data:
            found[str(label)] = None
    return list(found)


def _parsed(data: bytes) -> Iterator[Promise]:
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted and reader.decrypt(b"").status is AuthStatus.FAILED:
            raise PdfUnreadable("password-protected")
        labels = list(_walk(reader))
    except PdfUnreadable:
        raise
    except Exception as exc:  # hostile input fails in many ways; every one of them is a refusal
        raise PdfUnreadable(f"{type(exc).__name__}: {exc}") from exc
    yield from labels


def _walk(reader: PdfFileReader) -> Iterator[Promise]:
    """Every object of every revision, and every direct object inside it."""
    seen: set[tuple[int, int, int]] = set()
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            key = (revision, ref.idnum, ref.generation)
            if key in seen:
                continue
            seen.add(key)
            yield from _inspect(reader.get_object(ref, revision=revision))


def _inspect(root: Any) -> Iterator[Promise]:
    # An explicit stack, not recursion: nesting depth is the uploader's choice.
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.StreamObject | generic.DictionaryObject):
            yield from _dictionary(obj)
            stack.extend(dict.values(obj))
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(list.__iter__(obj))


def _dictionary(d: generic.DictionaryObject) -> Iterator[Promise]:
    for key in dict.keys(d):
        if key in ACTIVE_KEYS:
            yield ACTIVE_KEYS[key]
    for key in ("/Type", "/Subtype"):
        value = dict.get(d, key)
        if isinstance(value, generic.NameObject) and value in ACTIVE_TYPES:
            yield ACTIVE_TYPES[value]
    if dict.get(d, "/Type") == "/Action":
        yield from _action(d)
    for key in ACTION_KEYS:
        if key in d:
            yield from _action(d[key])  # dereferenced: actions are often indirect objects


def _action(value: Any) -> Iterator[Promise]:
    """An action dictionary, or a list of them (/Next); a destination array is not an action."""
    if isinstance(value, generic.IndirectObject):
        value = value.get_object()
    if isinstance(value, generic.ArrayObject):
        for item in value:
            if isinstance(item, generic.DictionaryObject):
                yield from _action(item)
        return
    if not isinstance(value, generic.DictionaryObject):
        return
    kind = dict.get(value, "/S")
    if isinstance(kind, generic.NameObject) and kind not in SAFE_ACTIONS:
        yield ACTION_LABELS.get(kind, OTHER_ACTION)


def refusal(upload: IO[bytes], name: str) -> str | None:
    """The message that refuses `upload` (a PDF), in the active language; None when it may be kept."""
    try:
        found = find_active_content(upload)
    except PdfUnreadable:
        return gettext(
            "%(name)s could not be read as a PDF (it may be damaged or protected by a password), so it "
            "cannot be accepted. Make the PDF again and attach it."
        ) % {"name": name}
    if not found:
        return None
    return gettext(
        "%(name)s contains content that runs when the PDF is opened (%(what)s), so it cannot be accepted. "
        "Print it and scan it, or make the PDF again."
    ) % {"name": name, "what": gettext(", ").join(found)}
