# SPDX-License-Identifier: MPL-2.0
"""The demo's procurement: approved companies, an open tender, a contracted one, valid OCDS; made once."""

import pytest
from django.test import Client

from civicloop.accounts.models import Position
from civicloop.demo.procurement import OPEN_TITLE, PAST_TITLE, seed_procurement
from civicloop.procurement import ocds
from civicloop.procurement.models import Supplier, Tender, TenderStatus, VerificationStatus
from civicloop.testing.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_staff() -> None:
    """The three demo members seed_procurement needs (seed_demo makes them from DEMO_STAFF)."""
    for code, name in (("dx", "デジタル推進課"), ("keiyaku", "契約課"), ("somu", "総務課")):
        DepartmentFactory.create(code=code, name_ja=name, name_en=code)
    StaffFactory.create(username="clerk-dx", department="dx")
    StaffFactory.create(username="clerk-keiyaku", department="keiyaku")
    StaffFactory.create(username="fuku-kucho", department="somu", position=Position.FUKU_KUCHO)


def test_the_demo_has_companies_an_open_tender_and_a_contract_once(demo_staff: None) -> None:
    # given / when
    assert seed_procurement() == 2
    assert seed_procurement() == 0  # a second run adds nothing
    # then
    assert Supplier.objects.filter(status=VerificationStatus.APPROVED).count() == 3
    open_tender, past = Tender.objects.get(title=OPEN_TITLE), Tender.objects.get(title=PAST_TITLE)
    assert open_tender.is_open_for_bids() and open_tender.bids.get().is_sealed
    assert past.status == TenderStatus.CONTRACTED and past.award.contract.value == 780_000
    notices = Client().get("/procurement/notices/").content.decode()
    assert OPEN_TITLE in notices and PAST_TITLE in notices and "株式会社渋谷クラウドワークス" in notices
    release_package, record_package = ocds.packages()
    assert ocds.errors(release_package, "release") == [] and ocds.errors(record_package, "record") == []
