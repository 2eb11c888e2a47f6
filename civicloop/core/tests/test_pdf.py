# SPDX-License-Identifier: MPL-2.0
"""Active content in PDFs is found wherever it hides: compressed, escaped, in any revision."""

import logging
from collections.abc import Callable, Iterator
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from civicloop.core.pdf import PdfUnreadable, find_active_content, refusal
from civicloop.testing.pdfs import Builder, javascript_action, make_pdf, name, pdf_dict

ZERO_RECT = generic.ArrayObject([generic.NumberObject(0)] * 4)


def _open_action_javascript(b: Builder) -> None:
    b.root[name("/OpenAction")] = b.add(javascript_action())


def _document_javascript(b: Builder) -> None:
    tree = pdf_dict(Names=generic.ArrayObject([generic.TextStringObject("init"), b.add(javascript_action())]))
    b.root[name("/Names")] = pdf_dict(JavaScript=b.add(tree))


def _page_automatic_action(b: Builder) -> None:
    b.page[name("/AA")] = pdf_dict(O=b.add(pdf_dict(S=name("/GoTo"), D=generic.ArrayObject())))


def _link(action: generic.DictionaryObject) -> Callable[[Builder], None]:
    def edit(b: Builder) -> None:
        annotation = pdf_dict(Type=name("/Annot"), Subtype=name("/Link"), Rect=ZERO_RECT, A=b.add(action))
        b.page[name("/Annots")] = generic.ArrayObject([b.add(annotation)])

    return edit


def _embedded_file(b: Builder) -> None:
    stream = generic.StreamObject(pdf_dict(Type=name("/EmbeddedFile")), stream_data=b"MZ not a program")
    spec = pdf_dict(Type=name("/Filespec"), F=generic.TextStringObject("a.exe"), EF=pdf_dict(F=b.add(stream)))
    b.root[name("/Names")] = pdf_dict(
        EmbeddedFiles=pdf_dict(Names=generic.ArrayObject([generic.TextStringObject("a.exe"), b.add(spec)]))
    )


def _rich_media(b: Builder) -> None:
    annotation = pdf_dict(Type=name("/Annot"), Subtype=name("/RichMedia"), Rect=ZERO_RECT)
    b.page[name("/Annots")] = generic.ArrayObject([b.add(annotation)])


def _xfa_form(b: Builder) -> None:
    b.root[name("/AcroForm")] = pdf_dict(
        Fields=generic.ArrayObject(), XFA=b.add(generic.StreamObject(stream_data=b"<xdp/>"))
    )


ACTIVE: dict[str, tuple[Callable[[Builder], None], str]] = {
    "JavaScript run on opening (/OpenAction)": (_open_action_javascript, "JavaScript"),
    "document JavaScript (/Names /JavaScript)": (_document_javascript, "JavaScript"),
    "an automatic action on a page (/AA)": (_page_automatic_action, "actions that run by themselves"),
    "a link that launches a program (/Launch)": (
        _link(pdf_dict(S=name("/Launch"), F=generic.TextStringObject("cmd.exe"))),
        "starting another program",
    ),
    "a link that runs JavaScript": (_link(javascript_action()), "JavaScript"),
    "a link that submits a form elsewhere": (
        _link(pdf_dict(S=name("/SubmitForm"), F=generic.TextStringObject("https://evil.example/"))),
        "actions that act outside the document",
    ),
    "an embedded file": (_embedded_file, "embedded files"),
    "rich media": (_rich_media, "multimedia"),
    "an XFA form": (_xfa_form, "an XFA form"),
}


@pytest.fixture(autouse=True)
def _english(settings: object) -> Iterator[None]:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.parametrize("hidden", [False, True], ids=["plain", "inside a compressed object stream"])
@pytest.mark.parametrize("kind", list(ACTIVE))
def test_active_content_is_found(kind: str, hidden: bool) -> None:
    edit, label = ACTIVE[kind]
    data = make_pdf(edit, hidden=hidden)
    assert label in find_active_content(BytesIO(data))


def test_javascript_in_an_object_stream_is_invisible_to_a_byte_scan_but_found() -> None:
    data = make_pdf(_open_action_javascript, hidden=True)
    assert b"/JavaScript" not in data and b"/JS" not in data  # what a byte scan would look for
    assert find_active_content(BytesIO(data)) == ["JavaScript"]


def test_hex_escaped_names_are_read_as_the_viewer_reads_them() -> None:
    # given a JavaScript action whose names are written /Java#53cript and /J#53 (same lengths as
    # the placeholders, so the cross-reference offsets stay right)
    def edit(b: Builder) -> None:
        action = pdf_dict(S=name("/ZZZZZZZZZZZZ"), QQQQ=generic.TextStringObject("app.alert(1)"))
        b.root[name("/OpenAction")] = b.add(action)

    data = make_pdf(edit).replace(b"/ZZZZZZZZZZZZ", b"/Java#53cript").replace(b"/QQQQ", b"/J#53")
    assert b"/JavaScript" not in data
    # then the parser finds it all the same
    assert "JavaScript" in find_active_content(BytesIO(data))


def test_javascript_added_in_a_later_revision_is_found() -> None:
    writer = IncrementalPdfFileWriter(BytesIO(make_pdf()))
    writer.root[name("/OpenAction")] = writer.add_object(javascript_action())
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    assert find_active_content(out) == ["JavaScript"]


@pytest.mark.parametrize(
    "edit",
    [
        None,
        lambda b: b.root.__setitem__(
            name("/OpenAction"), generic.ArrayObject([b.writer.root["/Pages"]["/Kids"][0], name("/Fit")])
        ),
        _link(pdf_dict(S=name("/URI"), URI=generic.TextStringObject("https://www.city.example.jp/"))),
        _link(pdf_dict(S=name("/GoTo"), D=generic.ArrayObject())),
    ],
    ids=["a bare page", "opening at a page (a destination, not an action)", "a web link", "a link within the document"],
)
def test_ordinary_pdfs_pass(edit: Callable[[Builder], None] | None) -> None:
    assert find_active_content(BytesIO(make_pdf(edit))) == []


def test_a_pdf_made_by_a_real_generator_with_links_passes() -> None:
    import weasyprint

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = '<h1>Bank proof</h1><p><a href="https://example.jp/">web</a> <a href="#end">below</a></p><p id="end">.</p>'
    assert find_active_content(BytesIO(weasyprint.HTML(string=html).write_pdf())) == []


@pytest.mark.parametrize(
    "data",
    [
        make_pdf()[:200],
        b"%PDF-1.4\nthis is not a PDF body\n%%EOF\n",
        make_pdf().replace(b"/Type /Catalog", b"/Type /Catalog /Pages 999 0 R /X"),
    ],
    ids=["truncated", "not a PDF body", "a broken reference"],
)
def test_a_pdf_that_does_not_parse_is_unreadable(data: bytes) -> None:
    with pytest.raises(PdfUnreadable):
        find_active_content(BytesIO(data))


def test_a_password_protected_pdf_is_unreadable() -> None:
    from pyhanko.pdf_utils.crypt import StandardSecurityHandler
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.security_handler = StandardSecurityHandler.build_from_pw("owner-secret", "user-secret")
    writer._encrypt = writer.add_object(writer.security_handler.as_pdf_object())
    out = BytesIO()
    writer.write(out)
    with pytest.raises(PdfUnreadable):
        find_active_content(out)


def test_the_refusal_says_why_and_what_to_do_in_japanese_first() -> None:
    from django.utils import translation

    data = BytesIO(make_pdf(_open_action_javascript, hidden=True))
    with translation.override("ja"):
        message = refusal(data, "通帳.pdf")
    assert message is not None
    assert "通帳.pdf" in message and "JavaScript" in message
    assert "実行される内容" in message and "印刷してスキャンするか、PDFを作り直してください" in message
    english = refusal(data, "passbook.pdf")
    assert english is not None and "runs when the PDF is opened" in english and "scan it" in english
    assert refusal(BytesIO(make_pdf()), "ok.pdf") is None
