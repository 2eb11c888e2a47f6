# SPDX-License-Identifier: MPL-2.0
"""The site header's links follow the kind of account: resident, supplier, staff, guest."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicloop.accounts import navigation
from civicloop.accounts.models import User
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.testing.factories import ResidentFactory, StaffFactory

pytestmark = pytest.mark.django_db

RESIDENT_ONLY = "applications:application-list"
SUPPLIER_ONLY = "procurement:supplier-home"
STAFF_ONLY = "cases:case-list"
RECONCILIATION = "payments:reconciliation-list"


def header_links(client: Client) -> dict[str, str]:
    """The header's navigation on a public page, as the visitor sees it: each link's text by address."""
    page = client.get(reverse("intelligence:help-search")).content.decode()
    nav = re.search(r'<nav class="site-header__nav".*?</nav>', page, re.S)
    assert nav is not None
    return dict(re.findall(r'<a href="([^"]+)">([^<]*)</a>', nav.group(0)))


def header_hrefs(client: Client) -> set[str]:
    return set(header_links(client))


def may_reconcile(user: User) -> User:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="view_reconciliationrun")
    )
    return user


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


def test_staff_who_may_read_reconciliations_get_a_link_to_them_named_as_the_page_is() -> None:
    client = sign_in_with_mfa(Client(), may_reconcile(StaffFactory.create()))
    links = header_links(client)
    # named for a screen reader's list of links by the page's heading, not by its address
    assert links[reverse(RECONCILIATION)] == "決済の突合"
    assert client.get(reverse(RECONCILIATION)).status_code == 200


def test_staff_without_the_permission_get_no_reconciliation_link_and_the_page_would_not_open() -> None:
    client = sign_in_with_mfa(Client(), StaffFactory.create())
    assert reverse(STAFF_ONLY) in header_hrefs(client)
    assert reverse(RECONCILIATION) not in header_hrefs(client)
    assert client.get(reverse(RECONCILIATION)).status_code == 404


def test_a_resident_granted_the_permission_by_mistake_gets_no_reconciliation_link(client: Client) -> None:
    client.force_login(may_reconcile(ResidentFactory.create()))
    links = header_hrefs(client)
    assert reverse(RESIDENT_ONLY) in links
    assert reverse(RECONCILIATION) not in links


def test_the_header_asks_no_permission_of_the_database_once_its_person_has_signed_in() -> None:
    client = sign_in_with_mfa(Client(), may_reconcile(StaffFactory.create()))
    with CaptureQueriesContext(connection) as page:
        links = header_hrefs(client)
    # the sign-in kept which links' permissions the person holds: the header reads them from the session
    assert reverse(RECONCILIATION) in links
    assert not [q["sql"] for q in page.captured_queries if "auth_permission" in q["sql"]]


def test_a_session_begun_before_the_permissions_were_kept_still_gets_its_links() -> None:
    client = sign_in_with_mfa(Client(), may_reconcile(StaffFactory.create()))
    session = client.session
    del session[navigation.LINK_PERMISSIONS]
    session.save()
    assert reverse(RECONCILIATION) in header_hrefs(client)
    assert navigation.LINK_PERMISSIONS in client.session
