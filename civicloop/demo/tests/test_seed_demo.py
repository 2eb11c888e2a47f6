# SPDX-License-Identifier: MPL-2.0
import pytest
from django.core.management import call_command

from civicloop.accounts.models import User
from civicloop.applications.models import Application

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_demo_once(catalog: None) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.filter(kind=User.Kind.STAFF).count() == 4  # three clerks and the demo admin
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == 4
    hanako = User.objects.get(oidc_identities__subject="demo-0001")
    application = Application.objects.get(applicant=hanako)
    assert application.receipt_number and application.procedure_version.procedure.code == "sodai-gomi"
