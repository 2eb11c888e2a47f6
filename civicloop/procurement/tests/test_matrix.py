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
from django.test import Client
from django.urls import reverse

from civicloop.accounts.models import Role
from civicloop.accounts.testing import sign_in_with_mfa
from civicloop.classification.policy import NO_CONTEXT, Action
from civicloop.procurement import access, actions, rules
from civicloop.procurement.models import Bid, Tender
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
}


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
    }


def _listed(person: Any, name: str, obj: Any) -> bool:
    if name.startswith("bid"):
        return access.bids_visible_to(person, NO_CONTEXT).filter(pk=obj.pk).exists()
    if name.startswith("tender"):
        return access.tenders_visible_to(person, NO_CONTEXT).filter(pk=obj.pk).exists()
    return access.suppliers_visible_to(person, NO_CONTEXT).filter(pk=obj.pk).exists()


def _page(person: Any, name: str, obj: Any) -> bool | None:
    """Whether the person's page for the record opens (200); None where no page shows it to them."""
    if isinstance(person, AnonymousUser) or name.startswith("bid"):
        return None
    if getattr(person, "is_supplier", False):
        url = reverse("procurement:tender-detail", args=[obj.public_id]) if name.startswith("tender") else None
    elif getattr(person, "is_staff_member", False):
        route = "staff-tender-detail" if name.startswith("tender") else "staff-supplier-detail"
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
            seen = {
                "decide": rules.evaluate(person, Action.VIEW, obj).allowed,
                "list": _listed(person, record, obj),
                "page": _page(person, record, obj),
            }
            wrong += [
                f"{record} / {name} / {path}: {got}"
                for path, got in seen.items()
                if got is not None and got != expected
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
