# SPDX-License-Identifier: MPL-2.0
"""Fixtures for the documents tests: a demo CA made once per run, files in a temporary storage."""

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from civicloop.accounts.models import Department, User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.applications import actions as application_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI
from civicloop.documents.issue import issue_document
from civicloop.documents.models import IssuedDocument

RARE_NAME = "髙橋 𠮷子"  # 髙 (U+9AD9) and 𠮷 (U+20BB7, outside the BMP)


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One VAR_DIR for the whole run, so the demo CA is generated once, not per test."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def isolated_files(settings: object, var_dir: Path, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.VAR_DIR = var_dir  # type: ignore[attr-defined]
    settings.DEBUG = True  # type: ignore[attr-defined]
    settings.SIGNING_KEY_FILE = ""  # type: ignore[attr-defined]
    settings.SIGNING_CERT_FILE = ""  # type: ignore[attr-defined]
    settings.SIGNING_CHAIN_FILES = []  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


@pytest.fixture
def applicant(make_resident: Callable[..., User]) -> User:
    user = make_resident()
    user.full_name = RARE_NAME
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def case(applicant: User, sodai_gomi: Procedure) -> Case:
    """The applicant's submitted bulky-waste application and its case in 清掃リサイクル課 (seiso)."""
    application, _created = application_actions.submit_from_api(
        user=applicant, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="documents-0001"
    )
    return Case.objects.select_related("application__applicant", "department").get(application=application)


@pytest.fixture
def issue(case: Case, clerk: User) -> Callable[..., IssuedDocument]:
    def make(kind: str = "decision_notice", outcome: str = "approve", reason: str = "") -> IssuedDocument:
        return issue_document(case, kind=kind, issued_by=clerk, outcome=outcome, reason=reason)

    return make


@pytest.fixture
def document(issue: Callable[..., IssuedDocument]) -> IssuedDocument:
    return issue()


@pytest.fixture
def other_clerk(catalog: None) -> User:
    user = User.objects.create(username="other-clerk", kind=User.Kind.STAFF, full_name="税務 花子")
    user.departments.add(Department.objects.get(code="zeimu"))
    return user


@pytest.fixture
def login() -> Callable[[User], Client]:
    def signed_in(user: User) -> Client:
        client = Client()
        if user.is_staff_member:
            return sign_in_with_mfa(client, user)  # staff pages require a second factor
        client.force_login(user)
        return client

    return signed_in


def pdf_bytes(document: IssuedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return bytes(handle.read())


def poppler(tool: str, data: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool (pdftotext, pdffonts, pdfsig) on `data`; its standard output."""
    path = tmp_path / f"{tool}.pdf"
    path.write_bytes(data)
    command = [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool names
    return done.stdout
