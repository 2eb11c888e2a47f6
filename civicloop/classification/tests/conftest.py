# SPDX-License-Identifier: MPL-2.0
"""A small world for the classification tests: one resident's case file at each tier, and staff."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client

from civicloop.accounts.models import Department, Position, User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application, Attachment
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.classification import family
from civicloop.classification.policy import TIERS, DeviceTrust
from civicloop.conftest import VALID_SODAI_GOMI

DEVICE_HEADER = "HTTP_X_TEST_DEVICE_TRUST"


class DeviceHeaderMiddleware:
    """Tests only: the device posture named by a request header wins over the device registry's."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if DEVICE_HEADER in request.META:
            request.device_trust = DeviceTrust(request.META[DEVICE_HEADER])
        return self.get_response(request)


@dataclass
class CaseFile:
    """One submitted application, its case and one attachment, all at `tier`."""

    tier: str
    application: Application
    case: Case
    attachment: Attachment


@dataclass
class World:
    owner: User
    other: User
    files: dict[str, CaseFile]


def submit(user: User, procedure: Procedure, key: str) -> Application:
    application, _created = application_actions.submit_from_api(
        user=user, procedure=procedure, answers=VALID_SODAI_GOMI, idempotency_key=key
    )
    return application


def build_case_file(owner: User, procedure: Procedure, tier: str, key: str) -> CaseFile:
    application = submit(owner, procedure, key)
    attachment = Attachment.objects.create(
        application=application,
        kind="item_photo",
        file=ContentFile(b"\x89PNG photo of a sofa", name="x"),
        original_name="sofa.png",
        content_type="image/png",
        size=20,
        sha256="0" * 64,
    )
    case = Case.objects.get(application=application)
    with transaction.atomic():
        family.relabel_family(case, new=tier)
    return CaseFile(
        tier,
        Application.objects.get(pk=application.pk),
        Case.objects.get(pk=case.pk),
        Attachment.objects.get(pk=attachment.pk),
    )


@pytest.fixture
def world(make_resident: Callable[..., User], sodai_gomi: Procedure) -> World:
    owner = make_resident()
    other = make_resident()
    files = {tier: build_case_file(owner, sodai_gomi, tier, f"world-{tier}") for tier in TIERS}
    return World(owner, other, files)


@pytest.fixture
def make_staff(catalog: None) -> Callable[..., User]:
    counter = iter(range(1, 100_000))

    def make(
        *,
        departments: tuple[str, ...] = ("seiso",),
        clearance: str = "OFFICIAL",
        position: str = Position.CLERK,
        roles: tuple[str, ...] = (),
        name: str = "",
    ) -> User:
        n = next(counter)
        user = User.objects.create(
            username=name or f"staff-{n}",
            kind=User.Kind.STAFF,
            full_name=name or f"職員 {n}",
            clearance=clearance,
            position=position,
            roles=list(roles),
        )
        user.departments.set(Department.objects.filter(code__in=departments))
        return user

    return make


def staff_client(user: User) -> Client:
    """A client signed in as `user`; staff as if through /staff/login/ with a second factor."""
    client = Client()
    if user.is_staff_member:
        try:
            from civicloop.accounts.testing import sign_in_with_mfa
        except ImportError:  # before staff MFA existed
            client.force_login(user)
            return client
        return sign_in_with_mfa(client, user)
    client.force_login(user)
    return client


@pytest.fixture
def device_header(settings: Any) -> str:
    """Let requests name their device posture with the X-Test-Device-Trust header."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "civicloop.classification.tests.conftest.DeviceHeaderMiddleware"]
    return DEVICE_HEADER
