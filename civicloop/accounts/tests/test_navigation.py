# SPDX-License-Identifier: MPL-2.0
"""The site header's links follow the kind of account: resident, supplier, staff, guest."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.testing.factories import ResidentFactory, StaffFactory

pytestmark = pytest.mark.django_db

RESIDENT_ONLY = "applications:application-list"
SUPPLIER_ONLY = "procurement:supplier-home"
STAFF_ONLY = "cases:case-list"


def header_hrefs(client: Client) -> set[str]:
    """The links of the header's navigation on a public page, as the visitor sees it."""
    page = client.get(reverse("intelligence:help-search")).content.decode()
    nav = re.search(r'<nav class="site-header__nav".*?</nav>', page, re.S)
    assert nav is not None
    return set(re.findall(r'href="([^"]+)"', nav.group(0)))


def test_a_resident_sees_their_applications_and_no_staff_or_supplier_link(client: Client) -> None:
    client.force_login(ResidentFactory.create())
    links = header_hrefs(client)
    assert reverse(RESIDENT_ONLY) in links
    assert reverse(SUPPLIER_ONLY) not in links
    assert reverse(STAFF_ONLY) not in links
    assert reverse("notifications:notice-list") in links


def test_a_supplier_sees_its_procurement_pages_and_not_the_residents_links() -> None:
    supplier = User.objects.create_user(
        username="supplier@example.co.jp", email="supplier@example.co.jp", kind=User.Kind.SUPPLIER
    )
    links = header_hrefs(sign_in_with_mfa(Client(), supplier))
    assert reverse(SUPPLIER_ONLY) in links
    assert reverse("procurement-notices:list") in links
    assert reverse(RESIDENT_ONLY) not in links
    assert reverse(STAFF_ONLY) not in links
    assert reverse("notifications:notice-list") in links


def test_staff_see_the_back_office_and_not_the_residents_or_suppliers_links() -> None:
    links = header_hrefs(sign_in_with_mfa(Client(), StaffFactory.create()))
    assert {reverse(STAFF_ONLY), reverse("analytics:dashboard-list"), reverse("devices:device-list")} <= links
    assert reverse(RESIDENT_ONLY) not in links
    assert reverse(SUPPLIER_ONLY) not in links


def test_a_guest_sees_their_applications_only_once_a_guest_draft_is_in_the_session(client: Client) -> None:
    assert reverse(RESIDENT_ONLY) not in header_hrefs(client)
    session = client.session
    session["guest_keys"] = ["a-guest-key"]
    session.save()
    links = header_hrefs(client)
    assert reverse(RESIDENT_ONLY) in links
    assert reverse("accounts:login") in links
    assert reverse(SUPPLIER_ONLY) not in links
