# SPDX-License-Identifier: MPL-2.0
"""For tests only: small PDFs made on the spot, with or without active content.

Built with pyHanko's writer, so they are real PDFs (cross-reference streams, and — with
`hidden=True` — objects inside a compressed object stream, where no byte scan sees them).
"""

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.pdf_utils.xref import ObjectStream


def name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def pdf_dict(**entries: generic.PdfObject) -> generic.DictionaryObject:
    return generic.DictionaryObject({generic.NameObject(f"/{key}"): value for key, value in entries.items()})


def javascript_action(code: str = "app.alert('hi')") -> generic.DictionaryObject:
    return pdf_dict(Type=name("/Action"), S=name("/JavaScript"), JS=generic.TextStringObject(code))


@dataclass
class Builder:
    """What an edit may change: the document's catalogue (`root`) and its one page."""

    writer: PdfFileWriter
    page: generic.DictionaryObject
    object_stream: ObjectStream | None

    @property
    def root(self) -> generic.DictionaryObject:
        return self.writer.root

    def add(self, obj: generic.PdfObject) -> generic.IndirectObject:
        """`obj` as an indirect object; inside the compressed object stream when the PDF is hidden
        (streams themselves cannot go in one: ISO 32000-2, 7.5.7)."""
        hide = self.object_stream if not isinstance(obj, generic.StreamObject) else None
        return self.writer.add_object(obj, obj_stream=hide)


def make_pdf(edit: Callable[[Builder], None] | None = None, *, hidden: bool = False) -> bytes:
    """A one-page PDF; `edit(builder)` adds to it before it is written."""
    writer = PdfFileWriter(stream_xrefs=True)
    page = pdf_dict(
        Type=name("/Page"),
        MediaBox=generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
    )
    writer.insert_page(page)
    builder = Builder(writer, page, writer.prepare_object_stream(compress=True) if hidden else None)
    if edit is not None:
        edit(builder)
        writer.update_container(page)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
