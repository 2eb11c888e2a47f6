# SPDX-License-Identifier: MPL-2.0
"""The staff pages: the request form, the security officer's queue, decisions, the banner and panel."""

from collections.abc import Callable

import pytest
from django.template import Context as TemplateContext
from django.template import Template
from django.test import RequestFactory
from django.urls import reverse

from civicloop.accounts.models import Position, Role, User
from civicloop.applications.models import Application
from civicloop.classification import actions
from civicloop.classification.models import ClassificationRequest
from civicloop.classification.policy import Context, DeviceTrust
from civicloop.classification.tests.conftest import World, staff_client

pytestmark = pytest.mark.django_db

WHY = "児童虐待の通告に関係するため"


def _create_url(world: World, tier: str = "OFFICIAL") -> str:
    return reverse("classification:request-create", args=["cases.case", world.files[tier].case.public_id])


def test_a_clerk_asks_from_the_case_page_and_the_officer_approves_from_the_queue(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    # given a clerk of the department and the information-security officer
    clerk = staff_client(make_staff())
    officer_user = make_staff(departments=("somu",), roles=(Role.SECURITY_OFFICER,))
    officer = staff_client(officer_user)
    back = reverse("cases:case-detail", args=[world.files["OFFICIAL"].case.public_id])
    # when the clerk sends the form of the case page
    response = clerk.post(_create_url(world), {"to_tier": "SECRET", "justification": WHY, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    change = ClassificationRequest.objects.get()
    # then the request waits in the officer's queue, not in another clerk's
    assert str(change.public_id) in officer.get(reverse("classification:request-list")).content.decode()
    assert (
        str(change.public_id)
        not in staff_client(make_staff()).get(reverse("classification:request-list")).content.decode()
    )
    detail = reverse("classification:request-detail", args=[change.public_id])
    assert "request-decide" not in clerk.get(detail).content.decode()  # the requester sees it, without the form
    # and the officer's approval applies it
    officer.post(reverse("classification:request-decide", args=[change.public_id]), {"outcome": "approve"})
    change.refresh_from_db()
    assert change.status == ClassificationRequest.Status.APPROVED
    assert Application.objects.get(pk=world.files["OFFICIAL"].application.pk).classification == "SECRET"


def test_staff_who_cannot_see_the_object_cannot_ask_about_it(world: World, make_staff: Callable[..., User]) -> None:
    outsider = staff_client(make_staff(departments=("kosodate_kyufu",)))
    assert outsider.post(_create_url(world), {"to_tier": "SECRET", "justification": WHY}).status_code == 404
    unknown = reverse(
        "classification:request-create", args=["catalog.procedureversion", world.files["OFFICIAL"].case.public_id]
    )
    assert staff_client(make_staff()).post(unknown, {"to_tier": "SECRET", "justification": WHY}).status_code == 404
    assert not ClassificationRequest.objects.exists()


def test_residents_and_visitors_get_404_on_every_classification_page(world: World) -> None:
    resident = staff_client(world.owner)
    urls = [reverse("classification:request-list"), reverse("classification:report")]
    for url in urls:
        assert resident.get(url).status_code == 404
    assert resident.post(_create_url(world), {"to_tier": "SECRET", "justification": WHY}).status_code == 404


def test_a_form_without_justification_shows_a_message_and_changes_nothing(
    world: World, make_staff: Callable[..., User]
) -> None:
    clerk = staff_client(make_staff())
    response = clerk.post(
        _create_url(world), {"to_tier": "SECRET", "justification": "", "next": "https://evil.example/"}, follow=True
    )
    assert response.redirect_chain[0][0] == reverse("classification:request-list")  # never an outside URL
    assert not ClassificationRequest.objects.exists()


def test_a_kacho_decides_lowerings_of_their_department_only(world: World, make_staff: Callable[..., User]) -> None:
    change = actions.request_classification_change(
        obj=world.files["SECRET"].case,
        requested_by=make_staff(clearance="SECRET"),
        to_tier="OFFICIAL",
        justification=WHY,
        context=Context(device_trust=DeviceTrust.BYOD),
    )
    kacho = staff_client(make_staff(position=Position.KACHO))
    other = staff_client(make_staff(departments=("kosodate_kyufu",), position=Position.KACHO))
    detail = reverse("classification:request-detail", args=[change.public_id])
    assert kacho.get(detail).status_code == 200 and other.get(detail).status_code == 404
    decide = reverse("classification:request-decide", args=[change.public_id])
    assert other.post(decide, {"outcome": "approve"}).status_code == 404
    kacho.post(decide, {"outcome": "reject", "note": "まだ機微な情報を含む"})
    change.refresh_from_db()
    assert change.status == ClassificationRequest.Status.REJECTED


def test_the_report_is_for_the_security_officer_auditors_and_administrators(
    world: World, make_staff: Callable[..., User]
) -> None:
    url = reverse("classification:report")
    for role in (Role.SECURITY_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR):
        page = staff_client(make_staff(roles=(role,))).get(url)
        assert page.status_code == 200 and "80.0%" in page.content.decode()
    assert staff_client(make_staff()).get(url).status_code == 404


def test_the_banner_shows_the_tier_and_what_staff_may_do_with_it(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    clerk = staff_client(make_staff(clearance="SECRET"))
    url = reverse("applications:application-detail", args=[world.files["SECRET"].application.public_id])
    page = clerk.get(url, **{device_header: DeviceTrust.BYOD}).content.decode()
    assert '<span class="classification-badge classification-badge--secret">秘</span>' in page
    assert 'classification-rule--denied"><span class="visually-hidden">' in page  # email is refused
    assert "秘" in page and "（SECRET）" not in page  # staff read the tier in Japanese only


def test_residents_see_no_classification_on_their_own_application(world: World) -> None:
    # given the owner of a SECRET application, in Japanese and in English
    client = staff_client(world.owner)
    url = reverse("applications:application-detail", args=[world.files["SECRET"].application.public_id])
    japanese = client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    english = client.get(url).content.decode()
    # then neither page names the tier or shows the banner
    for page in (japanese, english):
        assert "classification-banner" not in page
        assert "SECRET" not in page and "OFFICIAL" not in page
    assert "秘（" not in japanese and "として扱われます" not in japanese


def test_staff_read_the_tier_in_english_when_chosen(
    world: World, make_staff: Callable[..., User], device_header: str
) -> None:
    clerk = staff_client(make_staff(clearance="SECRET"))
    clerk.post(reverse("set_language"), {"language": "en"})
    url = reverse("applications:application-detail", args=[world.files["SECRET"].application.public_id])
    page = clerk.get(url, **{device_header: DeviceTrust.MANAGED}).content.decode()
    assert '<span class="classification-badge classification-badge--secret">SECRET</span>' in page


def test_the_case_panel_offers_the_request_form_and_need_to_know_to_those_who_may(
    world: World, make_staff: Callable[..., User]
) -> None:
    case = world.files["OFFICIAL"].case
    template = Template('{% include "classification/case_panel.html" with object=case %}')
    request = RequestFactory().get("/staff/cases/x/")
    request.user = make_staff()
    html = template.render(TemplateContext({"case": case, "request": request, "csrf_token": "t"}))
    assert reverse("classification:request-create", args=["cases.case", case.public_id]) in html
    assert "grant-create" not in html and "/grants/" not in html
    request.user = make_staff(position=Position.KACHO)
    assert "/grants/" in template.render(TemplateContext({"case": case, "request": request, "csrf_token": "t"}))
