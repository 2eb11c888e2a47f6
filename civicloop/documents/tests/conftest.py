# SPDX-License-Identifier: MPL-2.0
"""Fixtures for the documents tests: a demo CA made once per run (`demo_signing`), files in a temporary storage."""

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.cases.models import Case
from civicloop.documents.issue import issue_document
from civicloop.documents.models import IssuedDocument
from civicloop.testing.factories import CaseFactory, StaffFactory

RARE_NAME = "髙橋 𠮷子"  # 髙 (U+9AD9) and 𠮷 (U+20BB7, outside the BMP)


@pytest.fixture(autouse=True)
def isolated_files(demo_signing: Path) -> Path:
    """Every test here signs with the demo CA (made once per run) and stores files in its own folder."""
    return demo_signing


@pytest.fixture
def applicant(make_resident: Callable[..., User]) -> User:
    return make_resident(full_name=RARE_NAME)


@pytest.fixture
def case(applicant: User, catalog: None) -> Case:
    """The applicant's submitted bulky-waste application and its case in 清掃リサイクル課 (seiso)."""
    return CaseFactory.create(application__applicant=applicant)


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
    return StaffFactory.create(username="other-clerk", full_name="税務 花子", department="zeimu")


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
