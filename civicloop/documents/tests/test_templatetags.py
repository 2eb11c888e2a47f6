# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from civicloop.accounts.models import Role, User
from civicloop.core.models import AuditEntry
from civicloop.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db

TAG = Template("{% load documents %}{% documents_for application user %}")


def render_for(document: IssuedDocument, user: User) -> str:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user
    return TAG.render(Context({"application": document.case.application, "user": user, "request": request}))


def test_the_owner_sees_the_download_link(document: IssuedDocument, applicant: User) -> None:
    html = render_for(document, applicant)
    assert (
        reverse("documents:document-download", args=[document.case.application.public_id, document.public_id]) in html
    )


def test_another_resident_sees_nothing(document: IssuedDocument, other_resident: User) -> None:
    assert str(document.public_id) not in render_for(document, other_resident)


def test_staff_outside_the_department_see_nothing(document: IssuedDocument, other_clerk: User) -> None:
    assert str(document.public_id) not in render_for(document, other_clerk)


def test_the_application_page_lists_the_document(
    document: IssuedDocument, applicant: User, login: Callable[[User], Client]
) -> None:
    page = login(applicant).get(reverse("applications:application-detail", args=[document.case.application.public_id]))
    assert str(document.public_id) in page.content.decode()


def test_the_case_page_lists_the_document(
    document: IssuedDocument, clerk: User, login: Callable[[User], Client]
) -> None:
    page = login(clerk).get(reverse("cases:case-detail", args=[document.case.public_id]))
    assert str(document.public_id) in page.content.decode()


def test_an_auditor_who_may_view_the_case_sees_no_link_they_could_not_download(document: IssuedDocument) -> None:
    # The list asks for what its links open (DOWNLOAD), which oversight roles may not do.
    auditor = User.objects.create(username="auditor", kind=User.Kind.STAFF, roles=[Role.AUDITOR])
    assert str(document.public_id) not in render_for(document, auditor)


def test_a_secret_document_in_the_list_is_audited_as_its_download_would_be(
    document: IssuedDocument, applicant: User
) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(classification="SECRET")
    assert str(document.public_id) in render_for(document, applicant)
    entry = AuditEntry.objects.get(action="access.download", object_id=str(document.public_id))
    assert entry.data["reason"] == "listed" and entry.actor == f"user/{applicant.public_id}"
