# SPDX-License-Identifier: MPL-2.0
"""An inquiry's attachment is opened by staff: a PDF with active content is refused, with the reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.intelligence.models import Inquiry, RoutingModel
from civicloop.testing.pdfs import Builder, javascript_action, make_pdf, name, pdf_dict

pytestmark = pytest.mark.django_db

TEXT = "粗大ごみの申込について教えてください"


def _launch_on_page_open(b: Builder) -> None:
    b.page[name("/AA")] = pdf_dict(O=b.add(pdf_dict(S=name("/Launch"), F=name("/cmd.exe"))))


def test_an_inquiry_with_a_pdf_that_launches_a_program_is_refused(client: Client, routing_model: RoutingModel) -> None:
    upload = SimpleUploadedFile("letter.pdf", make_pdf(_launch_on_page_open, hidden=True))
    response = client.post(reverse("intelligence:inquiry-create"), {"text": TEXT, "attachment": upload})
    assert response.status_code == 400
    assert "letter.pdf" in response.content.decode() and "実行される内容" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_an_inquiry_with_a_plain_pdf_is_accepted(client: Client, routing_model: RoutingModel) -> None:
    upload = SimpleUploadedFile("letter.pdf", make_pdf())
    response = client.post(reverse("intelligence:inquiry-create"), {"text": TEXT, "attachment": upload})
    assert response.status_code == 302
    assert Inquiry.objects.get().attachment_name == "letter.pdf"


def test_javascript_in_a_link_of_an_inquiry_pdf_is_refused(client: Client, routing_model: RoutingModel) -> None:
    def link(b: Builder) -> None:
        annotation = pdf_dict(Type=name("/Annot"), Subtype=name("/Link"), A=b.add(javascript_action()))
        b.page[name("/Annots")] = b.add(annotation)

    upload = SimpleUploadedFile("letter.pdf", make_pdf(link))
    response = client.post(reverse("intelligence:inquiry-create"), {"text": TEXT, "attachment": upload})
    assert response.status_code == 400 and not Inquiry.objects.exists()
