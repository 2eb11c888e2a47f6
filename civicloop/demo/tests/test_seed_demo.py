# SPDX-License-Identifier: MPL-2.0
import pytest
from django.core.management import call_command

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.demo.seed import DEMO_STAFF

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_demo_once(catalog: None) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.filter(kind=User.Kind.STAFF).count() == len(DEMO_STAFF) + 1  # and the demo admin
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == 4
    hanako = User.objects.get(oidc_identities__subject="demo-0001")
    application = Application.objects.get(applicant=hanako)
    assert application.receipt_number and application.procedure_version.procedure.code == "sodai-gomi"


def test_demo_staff_get_a_totp_app_and_a_trusted_managed_device(catalog: None) -> None:
    from io import StringIO

    from allauth.mfa.totp.internal.auth import validate_totp_code

    from civicloop.classification.policy import DeviceTrust
    from civicloop.demo.staff_security import device_token_for, totp_secret_for
    from civicloop.devices.models import Device, hash_token

    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo")
    clerk = User.objects.get(username="clerk-seiso")
    device = Device.objects.get(owner=clerk)
    assert device.kind == Device.Kind.MANAGED and device.trust() == DeviceTrust.MANAGED
    assert device.token_hash == hash_token(device_token_for("clerk-seiso"))
    assert device_token_for("clerk-seiso") in out.getvalue() and "demo_totp" in out.getvalue()
    code = StringIO()
    call_command("demo_totp", "clerk-seiso", stdout=code, stderr=StringIO())
    assert validate_totp_code(totp_secret_for("clerk-seiso"), code.getvalue().strip())
    assert Device.objects.count() == len(DEMO_STAFF) + 1  # each member of staff and the administrator, once
