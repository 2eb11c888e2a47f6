# SPDX-License-Identifier: MPL-2.0
"""Administration gives no access to content: the Django admin is one more read path of the policy.

The matrix (test_access_matrix.py) walks the inquiry, message and user admin pages for every role,
clearance, tier and device. These tests add what a matrix of named pages cannot: every registered
admin, present and future, is scoped and shows no content; the case issue 10 reported; and the
403 for signed-in people the admin is not for.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Role, User
from civicloop.classification.adminscope import PolicyScopedAdmin
from civicloop.classification.tests.conftest import DEVICE_HEADER, PERSONAL_ADDRESS, World, content_of, staff_client
from civicloop.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _admin_user(make_staff: Callable[..., User], **fields: Any) -> User:
    user = make_staff(**fields)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def _every_admin_page(client: Client, device: str) -> dict[str, str]:
    """Every registered admin's list and the change page of each of its objects, by URL."""
    pages: dict[str, str] = {}
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        pages[changelist] = client.get(changelist, **{DEVICE_HEADER: device}).content.decode()
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
            response = client.get(url, **{DEVICE_HEADER: device})
            assert response.status_code in (200, 302), (url, response.status_code)
            pages[url] = response.content.decode()
    return pages


def _personal_data(world: World) -> list[str]:
    return [world.owner.email, world.owner.full_name, PERSONAL_ADDRESS, world.other.email, world.other.full_name]


def test_every_admin_of_a_classified_model_is_scoped_by_the_policy() -> None:
    classified = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if any(f.name == "classification" and f.concrete for f in model._meta.get_fields())
    }
    assert classified, "the inquiry and message admins at least"
    unscoped = [
        model.__name__ for model, model_admin in classified.items() if not isinstance(model_admin, PolicyScopedAdmin)
    ]
    assert not unscoped, f"admins that bypass the policy: {unscoped}"


def test_no_admin_page_shows_an_administrator_any_content_or_personal_data(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    # given a system administrator with every Django permission, TOP SECRET clearance, a managed device
    administrator = _admin_user(make_staff, departments=("dx",), clearance="TOP_SECRET", roles=(Role.ADMINISTRATOR,))
    # when they open every page of the admin
    pages = _every_admin_page(staff_client(administrator), "managed")
    # then no resident's content or personal data is on any of them
    forbidden = [text for file in world.files.values() for text in content_of(file) if text] + _personal_data(world)
    shown = [(url, text) for url, body in pages.items() for text in forbidden if text in body]
    assert not shown, shown[:10]


def test_a_clerk_of_the_department_reads_inquiries_there_but_never_a_notice_or_an_address(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    # given a clerk of the owning department with SECRET clearance on a personal device
    clerk = _admin_user(make_staff, departments=("seiso",), clearance="SECRET")
    # when they open every page of the admin
    pages = _every_admin_page(staff_client(clerk), "byod")
    # then the inquiry text the policy lets them view is on its page, and nothing else is anywhere
    official, secret, top = (world.files[t] for t in ("OFFICIAL", "SECRET", "TOP_SECRET"))
    assert official.inquiry.text in pages[f"/admin/intelligence/inquiry/{official.inquiry.pk}/change/"]
    assert secret.inquiry.text in pages[f"/admin/intelligence/inquiry/{secret.inquiry.pk}/change/"]
    notices = [t for f in world.files.values() for t in (f.notice.title, f.notice.body, f.email_notice.address)]
    forbidden = [top.inquiry.text, *notices, *_personal_data(world)]
    shown = [(url, text) for url, body in pages.items() for text in forbidden if text in body]
    assert not shown, shown[:10]


def test_an_official_administrator_on_an_unknown_device_does_not_read_a_secret_inquiry_in_the_admin(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    # given the report of issue 10: an administrator, OFFICIAL clearance, an unregistered device
    administrator = _admin_user(make_staff, departments=("dx",), roles=(Role.ADMINISTRATOR,))
    client = staff_client(administrator)
    inquiry = world.files["SECRET"].inquiry
    # when they open the inquiry in the admin and on its page
    admin_page = client.get(f"/admin/intelligence/inquiry/{inquiry.pk}/change/", follow=True)
    listing = client.get("/admin/intelligence/inquiry/")
    page = client.get(reverse("intelligence:inquiry-detail", args=[inquiry.public_id]))
    # then both refuse, the list does not name it, and the refusal is on the audit chain
    assert page.status_code == 404
    assert inquiry.text not in admin_page.content.decode()
    assert admin_page.redirect_chain and admin_page.redirect_chain[-1][0] == "/admin/"
    assert inquiry.reference_number not in listing.content.decode()
    assert AuditEntry.objects.filter(
        action="access.view",
        object_id=str(inquiry.public_id),
        data__allowed=False,
        actor=f"user/{administrator.public_id}",
    ).exists()


def test_the_user_admin_lists_staff_and_no_resident(world: World, make_staff: Callable[..., User]) -> None:
    administrator = _admin_user(make_staff, departments=("dx",), roles=(Role.ADMINISTRATOR,), name="admin-1")
    client = staff_client(administrator)
    listing = client.get("/admin/accounts/user/").content.decode()
    searched = client.get("/admin/accounts/user/", {"q": world.owner.email}).content.decode()
    resident_page = client.get(f"/admin/accounts/user/{world.owner.pk}/change/")
    assert "admin-1" in listing
    assert world.owner.username not in listing and world.owner.username not in searched
    assert resident_page.status_code == 302 and world.owner.email not in resident_page.content.decode()


def test_a_new_account_made_in_the_admin_is_a_staff_account_by_default(make_staff: Callable[..., User]) -> None:
    administrator = _admin_user(make_staff, departments=("dx",), roles=(Role.ADMINISTRATOR,))
    page = staff_client(administrator).get("/admin/accounts/user/add/").content.decode()
    assert 'value="staff" selected' in page


@pytest.mark.parametrize("kind", ["staff", "resident"])
def test_someone_signed_in_whom_the_admin_is_not_for_gets_a_403_not_a_loop(
    kind: str, make_staff: Callable[..., User], make_resident: Callable[..., User]
) -> None:
    # given a member of staff without is_staff (or a resident), signed in
    user = make_staff() if kind == "staff" else make_resident()
    client = staff_client(user)
    # when they open the admin
    response = client.get("/admin/", follow=True)
    # then one redirect leads to a 403 that says why, in Japanese first
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1
    page = response.content.decode()
    assert "管理画面は利用できません" in page and "管理者のアカウントではない" in page
    assert (reverse("cases:case-list") in page) == (kind == "staff")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/admin/", follow=True)
    assert english.status_code == 403 and "The administration pages are not open to you" in english.content.decode()


def test_visitors_and_admin_staff_still_sign_in_at_the_staff_sign_in(make_staff: Callable[..., User]) -> None:
    assert Client().get("/admin/login/?next=/admin/")["Location"] == "/staff/login/?next=/admin/"
    administrator = _admin_user(make_staff, departments=("dx",), roles=(Role.ADMINISTRATOR,))
    assert staff_client(administrator).get("/admin/").status_code == 200
