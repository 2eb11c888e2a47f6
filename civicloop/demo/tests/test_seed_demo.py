# SPDX-License-Identifier: MPL-2.0
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civicloop.accounts.models import OidcIdentity, User
from civicloop.applications.models import Application
from civicloop.demo.residents import DEMO_RESIDENTS
from civicloop.demo.seed import DEMO_STAFF, demo_admin_password, demo_staff_usernames

pytestmark = pytest.mark.django_db


def _point_at(settings, site_url: str) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = site_url
    settings.OIDC_ISSUER = f"{site_url}/demo-idp"


def test_seeding_twice_creates_the_demo_once(catalog: None) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.filter(kind=User.Kind.STAFF).count() == len(DEMO_STAFF) + 1  # and the demo admin
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == 4
    hanako = User.objects.get(oidc_identities__subject="demo-0001")
    # her bulky-waste booking, once (her certificate requests are demo.fees')
    application = Application.objects.get(applicant=hanako, procedure_version__procedure__code="sodai-gomi")
    assert application.receipt_number


def test_seeding_again_for_another_site_url_links_the_same_residents_to_the_moved_provider(
    catalog: None, settings: Any
) -> None:
    # given: the demo seeded for :8000, then `PORT=8101 make run` (or CIVICLOOP_SITE_URL) moves it
    _point_at(settings, "http://127.0.0.1:8000")
    call_command("seed_demo", verbosity=0)

    # when
    _point_at(settings, "http://127.0.0.1:8101")
    call_command("seed_demo", verbosity=0)

    # then: no second resident per subject, and a sign-in at either address finds the same person
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == len(DEMO_RESIDENTS)
    for resident in DEMO_RESIDENTS:
        owners = set(OidcIdentity.objects.filter(subject=resident["sub"]).values_list("user__username", flat=True))
        assert owners == {f"demo-{resident['sub']}"}
        issuers = set(OidcIdentity.objects.filter(subject=resident["sub"]).values_list("issuer", flat=True))
        assert issuers == {"http://127.0.0.1:8000/demo-idp", "http://127.0.0.1:8101/demo-idp"}
    bookings = Application.objects.filter(
        applicant__username="demo-demo-0001", procedure_version__procedure__code="sodai-gomi"
    )
    assert bookings.count() == 1


def test_seeding_leaves_a_subject_someone_already_signed_in_with_to_them(catalog: None, settings: Any) -> None:
    # given: at the new address 渋谷 花子 signed in before the seed ran, and got a fresh account
    call_command("seed_demo", verbosity=0)
    _point_at(settings, "http://127.0.0.1:8101")
    newcomer = User.objects.create(username="oidc-0123456789abcdef")
    OidcIdentity.objects.create(user=newcomer, issuer="http://127.0.0.1:8101/demo-idp", subject="demo-0001")

    # when
    call_command("seed_demo", verbosity=0)

    # then
    assert OidcIdentity.objects.get(issuer="http://127.0.0.1:8101/demo-idp", subject="demo-0001").user == newcomer


def test_the_printed_password_signs_in_every_demo_staff_member_after_the_var_dir_changed(
    catalog: None, settings: Any, tmp_path: Path
) -> None:
    # given: a database seeded from one VAR_DIR, then used from another (its own demo password)
    call_command("seed_demo", verbosity=0)
    settings.VAR_DIR = tmp_path
    out = StringIO()

    # when
    call_command("seed_demo", stdout=out)

    # then
    password = demo_admin_password()
    assert f"password / パスワード  {password}" in out.getvalue()
    for user in User.objects.filter(username__in=demo_staff_usernames()):
        assert user.check_password(password), user.username


def test_demo_staff_get_a_totp_app_and_a_trusted_managed_device(catalog: None) -> None:
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
    assert device_token_for("clerk-seiso") in out.getvalue() and "make totp who=clerk-seiso" in out.getvalue()
    code = StringIO()
    call_command("demo_totp", "clerk-seiso", stdout=code, stderr=StringIO())
    assert validate_totp_code(totp_secret_for("clerk-seiso"), code.getvalue().strip())
    assert Device.objects.count() == len(DEMO_STAFF) + 1  # each member of staff and the administrator, once
