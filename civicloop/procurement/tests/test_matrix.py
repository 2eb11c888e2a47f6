# SPDX-License-Identifier: MPL-2.0
"""The procurement access matrix: people × records × read paths, against the rules written in words.

`EXPECTED` is written from rules.py's docstring, not from the code. Each path — the decision
(`rules.evaluate`), the list (`access.*_visible_to`) and the page — must agree with it: a path that
shows what it should not is a leak, one that hides what it should show is a broken page. Above
all: a supplier never sees another supplier's bid, and an evaluator sees only the tenders named
to them, and their bids only once opened.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Role
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.classification.policy import NO_CONTEXT, Action
from civicloop.procurement import access, actions, rules
from civicloop.procurement.models import Bid, ScoreSheet, SupplierDocument, Tender
from civicloop.procurement.tests.conftest import Cast, service_of
from civicloop.testing.factories import ResidentFactory, StaffFactory

PEOPLE = [
    "alpha",
    "beta",
    "gamma",
    "buyer",
    "evaluator",
    "officer",
    "outsider",
    "admin",
    "auditor",
    "resident",
    "anonymous",
]

# Who may VIEW what, from the rules in words.
EXPECTED: dict[str, set[str]] = {
    # alpha's bid, still sealed: alpha; the tendering department; oversight. Not the evaluator yet.
    "bid_sealed": {"alpha", "buyer", "auditor"},
    # alpha's bid once opened: the evaluator named on that tender joins.
    "bid_opened": {"alpha", "buyer", "auditor", "evaluator"},
    # a draft tender: its department and oversight only.
    "tender_draft": {"buyer", "auditor"},
    # a published tender: every supplier, its department, its evaluator, oversight.
    "tender_published": {"alpha", "beta", "gamma", "buyer", "evaluator", "auditor"},
    # alpha's company record: alpha's accounts, 契約課, oversight.
    "supplier_alpha": {"alpha", "officer", "auditor"},
    # a registration document of alpha's: as its company record.
    "document_alpha": {"alpha", "officer", "auditor"},
}
# Records whose page is a download: oversight roles view records but never download them (the policy).
DOWNLOADS: dict[str, set[str]] = {"document_alpha": {"alpha", "officer"}}


def _person(cast: Cast, name: str) -> Any:
    if name in ("alpha", "beta", "gamma"):
        return getattr(cast, f"{name}_user")
    if name == "auditor":
        return StaffFactory.create(username="auditor", department="somu", roles=[Role.AUDITOR])
    if name == "resident":
        return ResidentFactory.create()
    if name == "anonymous":
        return AnonymousUser()
    return getattr(cast, name)


def _world(cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]) -> dict[str, Any]:
    published = make_tender()
    draft = make_tender(publish=False)
    opened = make_tender()
    sealed_bid = actions.submit_bid(
        actor=cast.alpha_user,
        tender=published,
        supplier=cast.alpha,
        service=service_of(cast.alpha),
        price=9,
        proposal="",
    )
    opened_bid = actions.submit_bid(
        actor=cast.alpha_user, tender=opened, supplier=cast.alpha, service=service_of(cast.alpha), price=9, proposal=""
    )
    for tender in (published, opened):
        actions.assign_evaluator(actor=cast.buyer, tender=tender, user=cast.evaluator)
    with at(opened.bid_deadline + timedelta(seconds=1)):
        actions.open_bids(actor=cast.buyer, tender=opened)
    return {
        "bid_sealed": Bid.objects.get(pk=sealed_bid.pk),
        "bid_opened": Bid.objects.get(pk=opened_bid.pk),
        "tender_draft": draft,
        "tender_published": published,
        "supplier_alpha": cast.alpha,
        "document_alpha": _document(cast),
    }


def _document(cast: Cast) -> Any:
    return actions.add_supplier_document(
        actor=cast.alpha_user,
        supplier=cast.alpha,
        title="登記事項証明書",
        upload=SimpleUploadedFile("touki.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
    )


def _listed(person: Any, name: str, obj: Any) -> bool:
    if name.startswith("bid"):
        return access.bids_visible_to(person, NO_CONTEXT).filter(pk=obj.pk).exists()
    if name.startswith("tender"):
        return access.tenders_visible_to(person, NO_CONTEXT).filter(pk=obj.pk).exists()
    if name.startswith("document"):  # listed on its company's page, for whoever sees the company
        return access.suppliers_visible_to(person, NO_CONTEXT).filter(pk=obj.supplier_id).exists()
    return access.suppliers_visible_to(person, NO_CONTEXT).filter(pk=obj.pk).exists()


def _page(person: Any, name: str, obj: Any) -> bool | None:
    """Whether the person's page for the record opens (200); None where no page shows it to them."""
    if isinstance(person, AnonymousUser) or name.startswith("bid"):
        return None
    if getattr(person, "is_supplier", False):
        route = {"tender": "tender-detail", "document": "document-download"}.get(name.split("_")[0])
        url = reverse(f"procurement:{route}", args=[obj.public_id]) if route else None
    elif getattr(person, "is_staff_member", False):
        route = {"tender": "staff-tender-detail", "document": "staff-supplier-document"}.get(
            name.split("_")[0], "staff-supplier-detail"
        )
        url = reverse(f"procurement:{route}", args=[obj.public_id])
    else:
        return None
    if url is None:
        return None
    return sign_in_with_mfa(Client(), person).get(url).status_code == 200


@pytest.mark.django_db
def test_every_path_shows_each_record_to_exactly_the_people_the_rules_name(
    cast: Cast, make_tender: Callable[..., Tender], at: Callable[..., Any]
) -> None:
    # given
    world = _world(cast, make_tender, at)
    people = {name: _person(cast, name) for name in PEOPLE}
    # when
    wrong = []
    for record, obj in world.items():
        for name, person in people.items():
            expected = name in EXPECTED[record]
            downloads = name in DOWNLOADS.get(record, EXPECTED[record])
            seen = {
                "decide": (rules.evaluate(person, Action.VIEW, obj).allowed, expected),
                "list": (_listed(person, record, obj), expected),
                "download": (rules.evaluate(person, Action.DOWNLOAD, obj).allowed, downloads)
                if record in DOWNLOADS
                else (None, None),
                "page": (_page(person, record, obj), downloads),
            }
            wrong += [
                f"{record} / {name} / {path}: {got}"
                for path, (got, want) in seen.items()
                if got is not None and got != want
            ]
    # then
    assert wrong == []


@pytest.mark.django_db
def test_no_supplier_reads_another_suppliers_bid_on_any_path(cast: Cast, tender: Tender) -> None:
    bid = actions.submit_bid(
        actor=cast.beta_user, tender=tender, supplier=cast.beta, service=service_of(cast.beta), price=7, proposal="beta"
    )
    for user in (cast.alpha_user, cast.gamma_user):
        assert not rules.evaluate(user, Action.VIEW, bid).allowed
        assert not access.bids_visible_to(user, NO_CONTEXT).filter(pk=bid.pk).exists()
        client = sign_in_with_mfa(Client(), user)
        assert client.post(reverse("procurement:bid-withdraw", args=[bid.public_id])).status_code == 404


# Every URL of the procurement pages, with the method it answers and the record it names; a URL
# added to urls.py or notice_urls.py fails test_every_procurement_url_is_in_this_matrix until listed.
PUBLIC_ROUTES = {
    "procurement:supplier-register",
    "procurement:supplier-login",
    "procurement-notices:list",
    "procurement-notices:document",
    "procurement-notices:detail",
    "procurement-notices:release-package",
    "procurement-notices:record-package",
}
ROUTES: dict[str, tuple[str, Callable[[dict[str, Any]], list[Any]]]] = {
    "procurement:supplier-home": ("get", lambda w: []),
    "procurement:qualification-new": ("get", lambda w: []),
    "procurement:service-new": ("get", lambda w: []),
    "procurement:document-new": ("get", lambda w: []),
    "procurement:document-download": ("get", lambda w: [w["document"].public_id]),
    "procurement:document-delete": ("post", lambda w: [w["document"].public_id]),
    "procurement:service-security": ("get", lambda w: [w["service"].public_id]),
    "procurement:tender-detail": ("get", lambda w: [w["tender"].public_id]),
    "procurement:question-ask": ("post", lambda w: [w["tender"].public_id]),
    "procurement:bid-submit": ("post", lambda w: [w["tender"].public_id]),
    "procurement:bid-withdraw": ("post", lambda w: [w["bid"].public_id]),
    "procurement:staff-index": ("get", lambda w: []),
    "procurement:staff-supplier-list": ("get", lambda w: []),
    "procurement:staff-supplier-detail": ("get", lambda w: [w["supplier"].public_id]),
    "procurement:staff-verify": ("post", lambda w: [w["supplier"].public_id, "supplier"]),
    "procurement:staff-verify-item": ("post", lambda w: [w["supplier"].public_id, "service", w["service"].pk]),
    "procurement:staff-supplier-document": ("get", lambda w: [w["document"].public_id]),
    "procurement:staff-catalogue": ("get", lambda w: []),
    "procurement:staff-direct-award-new": ("post", lambda w: []),
    "procurement:staff-direct-award": ("get", lambda w: [w["direct_award"].public_id]),
    "procurement:staff-tender-new": ("get", lambda w: []),
    "procurement:staff-tender-detail": ("get", lambda w: [w["tender"].public_id]),
    "procurement:staff-tender-step": ("post", lambda w: [w["tender"].public_id, "open"]),
    "procurement:staff-question-answer": ("post", lambda w: [w["question"].public_id]),
    "procurement:staff-evaluate": ("get", lambda w: [w["tender"].public_id]),
    "procurement:staff-score": ("post", lambda w: [w["bid"].public_id]),
}
# The staff routes that name one tender, bid, question or supplier: closed to staff of another department.
RECORD_ROUTES = [
    "procurement:staff-supplier-detail",
    "procurement:staff-supplier-document",
    "procurement:staff-verify",
    "procurement:staff-verify-item",
    "procurement:staff-direct-award",
    "procurement:staff-tender-detail",
    "procurement:staff-tender-step",
    "procurement:staff-question-answer",
    "procurement:staff-evaluate",
    "procurement:staff-score",
]


def _route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    from django.urls import URLResolver

    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_procurement_url_is_in_this_matrix() -> None:
    from django.urls import get_resolver

    mounted = {n for n in _route_names(get_resolver().url_patterns) if n.startswith("procurement")}
    assert mounted == set(ROUTES) | PUBLIC_ROUTES


def _records(cast: Cast, tender: Tender) -> dict[str, Any]:
    bid = actions.submit_bid(
        actor=cast.alpha_user, tender=tender, supplier=cast.alpha, service=service_of(cast.alpha), price=9, proposal=""
    )
    question = actions.ask_question(actor=cast.alpha_user, tender=tender, supplier=cast.alpha, text="質問")
    direct = actions.award_directly(
        actor=cast.buyer,
        department=tender.department,
        service=service_of(cast.alpha),
        title="保守",
        value=10_000,
        reason="カタログから",
        query="",
        facets={},
    )
    actions.assign_evaluator(actor=cast.buyer, tender=tender, user=cast.evaluator)
    document = actions.add_supplier_document(
        actor=cast.alpha_user,
        supplier=cast.alpha,
        title="登記事項証明書",
        upload=SimpleUploadedFile("touki.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
    )
    return {
        "document": document,
        "tender": tender,
        "bid": bid,
        "question": question,
        "supplier": cast.alpha,
        "service": service_of(cast.alpha),
        "direct_award": direct,
    }


def _ask(client: Client, name: str, world: dict[str, Any]) -> Any:
    method, args = ROUTES[name]
    return getattr(client, method)(reverse(name, args=args(world)))


@pytest.mark.django_db
def test_no_procurement_page_answers_someone_signed_out_or_a_resident(cast: Cast, tender: Tender) -> None:
    # given
    world = _records(cast, tender)
    resident = Client()
    resident.force_login(ResidentFactory.create())
    # when / then: signed out, every page sends to a sign-in; a resident gets nothing
    for name in ROUTES:
        signed_out = _ask(Client(), name, world)
        assert signed_out.status_code == 302 and "login" in signed_out["Location"], name
        assert _ask(resident, name, world).status_code in (403, 404), name


@pytest.mark.django_db
def test_suppliers_reach_no_staff_page_and_staff_of_another_department_no_record(cast: Cast, tender: Tender) -> None:
    # given
    world = _records(cast, tender)
    bids_before = list(Bid.objects.values_list("pk", "status", "version"))
    supplier, outsider = sign_in_with_mfa(Client(), cast.alpha_user), sign_in_with_mfa(Client(), cast.outsider)
    # when / then
    for name in ROUTES:
        if ":staff-" in name:
            assert _ask(supplier, name, world).status_code in (403, 404), name
    for name in RECORD_ROUTES:
        assert _ask(outsider, name, world).status_code in (403, 404), name
    assert list(Bid.objects.values_list("pk", "status", "version")) == bids_before


# The supplier routes that name one of a company's own records: another company gets 404.
COMPANY_RECORD_ROUTES = [
    "procurement:service-security",
    "procurement:bid-withdraw",
    "procurement:document-download",
    "procurement:document-delete",
]


@pytest.mark.django_db
def test_another_company_reaches_none_of_a_company_s_records(cast: Cast, tender: Tender) -> None:
    # given alpha's service, bid and document
    world = _records(cast, tender)
    before = (list(Bid.objects.values_list("pk", "status", "version")), list(SupplierDocument.objects.all()))
    beta = sign_in_with_mfa(Client(), cast.beta_user)
    # when / then: beta gets nothing and changes nothing
    for name in COMPANY_RECORD_ROUTES:
        assert _ask(beta, name, world).status_code == 404, name
    assert (list(Bid.objects.values_list("pk", "status", "version")), list(SupplierDocument.objects.all())) == before


@pytest.mark.django_db
def test_after_the_deadline_only_the_tendering_department_opens(
    cast: Cast, tender: Tender, at: Callable[..., Any]
) -> None:
    # given a bid and the deadline passed
    _records(cast, tender)
    url = reverse("procurement:staff-tender-step", args=[tender.public_id, "open"])
    with at(tender.bid_deadline + timedelta(seconds=1)):
        # when 清掃課's clerk, the named evaluator (of 総務課) and 契約課 try to open
        for person in (cast.outsider, cast.evaluator, cast.officer):
            sign_in_with_mfa(Client(), person).post(url)
        # then nothing is opened; the department then opens
        assert Tender.objects.get(pk=tender.pk).status == "published" and Bid.objects.get().price is None
        sign_in_with_mfa(Client(), cast.buyer).post(url)
    assert Tender.objects.get(pk=tender.pk).status == "opened"


@pytest.mark.django_db
def test_a_conflicted_evaluator_cannot_score_through_the_page(
    cast: Cast, tender: Tender, at: Callable[..., Any]
) -> None:
    # given an opened tender whose evaluator declared a conflict on the page
    world = _records(cast, tender)
    with at(tender.bid_deadline + timedelta(seconds=1)):
        actions.open_bids(actor=cast.buyer, tender=tender)
    evaluator = sign_in_with_mfa(Client(), cast.evaluator)
    evaluator.post(
        reverse("procurement:staff-evaluate", args=[tender.public_id]), {"has_conflict": "yes", "detail": "元勤務先"}
    )
    criterion = tender.criteria.filter(is_price=False).first()
    assert criterion is not None
    # when they post scores all the same
    evaluator.post(
        reverse("procurement:staff-score", args=[world["bid"].public_id]),
        {f"points-{criterion.pk}": "10", f"reason-{criterion.pk}": "満点", "submit": "1"},
    )
    # then no sheet exists, and the page offers no scoring
    assert not ScoreSheet.objects.exists()
    page = evaluator.get(reverse("procurement:staff-evaluate", args=[tender.public_id])).content.decode()
    assert f'name="points-{criterion.pk}"' not in page


# The staff routes that name a tender or one of its bids or questions: a SECRET tender's show it only
# on a device that may show SECRET (the one policy's device ceiling), whoever asks.
TENDER_ROUTES = [
    "procurement:staff-tender-detail",
    "procurement:staff-tender-step",
    "procurement:staff-question-answer",
    "procurement:staff-evaluate",
    "procurement:staff-score",
]


@pytest.mark.django_db
def test_a_secret_tender_reaches_no_staff_path_from_a_device_that_may_not_show_secret(
    cast: Cast, tender: Tender, settings: Any
) -> None:
    # given a SECRET tender, its buyer and evaluator cleared for it, and the device named per request
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "civicloop.classification.tests.conftest.DeviceHeaderMiddleware"]
    world = _records(cast, tender)
    Tender.objects.filter(pk=tender.pk).update(classification="SECRET")
    type(cast.buyer).objects.filter(pk__in=[cast.buyer.pk, cast.evaluator.pk]).update(clearance="SECRET")
    buyer, evaluator = sign_in_with_mfa(Client(), cast.buyer), sign_in_with_mfa(Client(), cast.evaluator)
    before = list(Tender.objects.values_list("pk", "status")), list(Bid.objects.values_list("pk", "status"))
    # when / then: from a device of unknown posture, nothing of it answers; from a managed one, its page does
    for name in TENDER_ROUTES:
        method, args = ROUTES[name]
        for client in (buyer, evaluator):
            answer = getattr(client, method)(
                reverse(name, args=args(world)), headers={"X-Test-Device-Trust": "unknown"}
            )
            assert answer.status_code in (403, 404), name
    detail = reverse("procurement:staff-tender-detail", args=[tender.public_id])
    assert buyer.get(detail, headers={"X-Test-Device-Trust": "managed"}).status_code == 200
    assert (list(Tender.objects.values_list("pk", "status")), list(Bid.objects.values_list("pk", "status"))) == before
