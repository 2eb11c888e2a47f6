# SPDX-License-Identifier: MPL-2.0
"""A tender from a supplier's registration to the public award notice, in real browsers (issue 15).

A company registers itself and sets up its second factor (TOTP), adds its 競争入札参加資格 and a
service with its security declaration; 契約課 approves the three; デジタル推進課 drafts a tender
through the form and publishes it; that company bids, withdraws and bids again, a second company
(registered and approved beforehand) bids once; the department's early 開札 is refused; the
deadline passes; the bids are opened; the evaluator from 総務課 declares no conflict and scores
both; the department completes the evaluation and awards; anyone reads the award on
/procurement/notices/; `manage.py export_ocds` writes packages that validate against OCDS 1.1.5.
axe-core and screenshots on every page, in Japanese, and the supplier's tender page in English.
"""

import json
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command

from e2e.test_back_office import another_person, staff_sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

if TYPE_CHECKING:
    from civicloop.accounts.models import User
    from e2e.conftest import Resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COMPANY = "株式会社多摩デジタル"
RIVAL = "株式会社betaシステムズ"
TITLE = "電子申請システムの導入"


@pytest.fixture
def site(transactional_db: None, live_server: Any, settings: Any) -> str:
    """conftest's site with the departments of procedures/departments.yaml but not the procedure catalogue.

    Nothing here reads a procedure, and loading them takes seconds (and fails while someone edits one).
    """
    import yaml

    from civicloop.accounts.models import Department

    rows = yaml.safe_load((Path(__file__).resolve().parents[1] / "procedures" / "departments.yaml").read_text())
    for order, row in enumerate(rows):
        Department.objects.update_or_create(
            code=row["code"], defaults={"name_ja": row["ja"], "name_en": row["en"], "sort_order": order}
        )
    settings.SITE_URL = live_server.url
    settings.OIDC_ISSUER = f"{live_server.url}/demo-idp"
    return str(live_server.url)


def _staff(username: str, department: str) -> "User":
    """A member of `department` with a password and a TOTP authenticator, as seed_demo makes them."""
    from civicloop.accounts.models import Department, User
    from civicloop.accounts.testing import give_totp

    user = User.objects.create(username=username, kind=User.Kind.STAFF, full_name=username)
    user.set_password(f"e2e-{username}-password")
    user.save()
    user.departments.add(Department.objects.get(code=department))
    give_totp(user)
    return user


def _signed_in(who: "Resident", user: "User") -> "Resident":
    """The browser carries a session that passed password and TOTP (sign-in itself is shown once, below)."""
    from django.test import Client

    from civicloop.accounts.testing import sign_in_with_mfa

    session = sign_in_with_mfa(Client(), user).cookies["sessionid"].value
    who.page.context.add_cookies([{"name": "sessionid", "value": session, "url": who.base_url}])
    return who


def _totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _register(supplier: "Resident") -> None:
    """The company registers, sets up TOTP, adds its qualification and a service with its declaration."""
    from civicloop.procurement.tests.conftest import corporate_number

    page = supplier.page
    supplier.goto("/procurement/register/")
    supplier.checkpoint("register")
    page.get_by_label("法人番号").fill(corporate_number("010001000010"))
    page.get_by_label("商号又は名称", exact=True).fill(COMPANY)
    page.locator("#id_size").select_option("small")
    page.locator("#id_address").fill("東京都多摩市関戸1-1-1")
    page.locator("#id_is_local").check()
    page.locator("#id_contact_name").fill("調達 花子")
    page.locator("#id_email").fill("tama@example.co.jp")
    page.locator("#id_password").fill("tama-digital-e2e-passphrase")
    page.get_by_role("button", name="登録する").click()
    # no page of the company's before its second factor: straight to the authenticator set-up
    expect(page).to_have_url(re.compile(r"/2fa/totp/activate/$"))
    supplier.checkpoint("set up totp")
    page.fill("#id_code", _totp_code(page.locator("#authenticator_secret").input_value()))
    page.locator("form[action$='/2fa/totp/activate/'] button[type=submit]").click()
    expect(page.locator("#recovery_codes")).to_be_visible()
    supplier.goto("/procurement/")
    expect(page.locator("h1")).to_have_text(COMPANY)

    page.get_by_role("link", name="競争入札参加資格を追加").click()
    page.get_by_label("情報処理業務").check()
    page.locator("#id_grade").select_option("B")
    page.locator("#id_valid_from").fill("2026-04-01")
    page.locator("#id_valid_until").fill("2029-03-31")
    supplier.checkpoint("qualification")
    page.get_by_role("button", name="審査に送る").click()
    expect(page.locator(".notices")).to_contain_text("競争入札参加資格を審査に送りました")

    page.get_by_role("link", name="サービスを追加").click()
    page.locator("#id_lot").select_option("software")
    page.locator("#id_name").fill("多摩電子申請クラウド")
    page.locator("#id_summary").fill("自治体向けの電子申請SaaS。LGWAN接続可。")
    page.locator("#id_sec-ismap").select_option("ismap")
    page.locator("#id_sec-ismap_registration").fill("C22-0001-1")
    page.locator("#id_sec-data_location").select_option("japan")
    page.locator("#id_sec-encrypted_at_rest").check()
    page.locator("#id_sec-encrypted_in_transit").check()
    page.locator("#id_sec-authentication").select_option("mfa")
    page.locator("#id_sec-incident_response").fill("24時間365日受付、2時間以内に第一報")
    page.locator("#id_sec-expires_on").fill("2028-03-31")
    supplier.checkpoint("service and security declaration")
    page.get_by_role("button", name="審査に送る").click()
    expect(page.locator("#h-services + table")).to_contain_text("多摩電子申請クラウド")
    supplier.checkpoint("company home, waiting for 契約課")


def _approve_all(officer: "Resident") -> None:
    """契約課 approves the company, its qualification and its service; the history keeps each decision."""
    page = officer.page
    officer.goto("/staff/procurement/suppliers/")
    page.get_by_role("link", name=COMPANY).click()
    officer.checkpoint("supplier to verify")
    for i in range(3):  # the company, then its qualification, then its service
        form = page.locator("form[action*='/verify/']").nth(i)
        form.locator("select[name=decision]").select_option("approved")
        form.get_by_role("button", name="記録する").click()
        expect(page.locator(".notices")).to_contain_text("判断を記録しました")
    expect(page.locator("table tbody tr")).to_have_count(3)
    officer.checkpoint("supplier approved")


def _publish(buyer: "Resident") -> str:
    """デジタル推進課 drafts the tender through the form and publishes it; returns its public id."""
    from django.utils import timezone

    page = buyer.page
    buyer.goto("/staff/procurement/tenders/new/")
    when = timezone.localtime() + timedelta(days=14)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_title_en").fill("An online application system")
    page.locator("#id_description").fill("区民向け電子申請の導入と5年間の運用保守")
    page.get_by_label("クラウドソフトウェア").check()
    page.locator("#id_minimum_grade").select_option("C")
    page.locator("#id_price_approach").select_option("most_advantageous")
    page.locator("#id_estimate").fill("990000")
    page.locator("#id_questions_deadline").fill((when - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_bid_deadline").fill(when.strftime("%Y-%m-%dT%H:%M"))
    buyer.checkpoint("new tender")
    page.get_by_role("button", name="下書きとして保存").click()
    expect(page.locator("h1")).to_contain_text(TITLE)
    page.get_by_role("button", name="公告する").click()
    expect(page.locator(".tag").first).to_have_text("入札受付中")
    buyer.checkpoint("tender published")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def _bid(supplier: "Resident", tender: str, price: str, proposal: str) -> None:
    page = supplier.page
    supplier.goto(f"/procurement/tenders/{tender}/")
    page.locator("#id_price").fill(price)
    page.locator("#id_proposal").fill(proposal)
    page.get_by_role("button", name=re.compile("入札(する|を出し直す)（封かん）")).click()
    expect(page.locator(".notices")).to_contain_text("封かんして受け付けました")


def _score(evaluator: "Resident", company: str, points: tuple[str, str]) -> None:
    section = evaluator.page.locator("section.panel", has=evaluator.page.get_by_role("heading", name=company))
    for field, value in zip(section.locator("input[type=number]").all(), points, strict=True):
        field.fill(value)
    for reason in section.locator("textarea").all():
        reason.fill("要件をおおむね満たす。根拠は提案書第3章。")
    section.get_by_role("button", name="提出して確定する").click()
    expect(evaluator.page.locator(".notices")).to_contain_text("採点を提出しました")


def test_a_tender_runs_from_a_suppliers_registration_to_a_public_award_and_valid_ocds(
    resident: "Resident", browser: Any, tmp_path: Path
) -> None:
    from django.utils import timezone

    from civicloop.procurement import ocds
    from civicloop.procurement.models import Bid, BidStatus, Tender
    from civicloop.procurement.tests.conftest import CORPORATE_NUMBERS, make_supplier

    # given 契約課, デジタル推進課 and 総務課 staff, and a rival company registered and approved before
    for username, department in (("keiyaku-clerk", "keiyaku"), ("dx-clerk", "dx"), ("somu-clerk", "somu")):
        _staff(username, department)
    rival, rival_user = make_supplier("beta", CORPORATE_NUMBERS[2], size="large")
    rival.name = RIVAL
    rival.save(update_fields=["name"])
    from civicloop.accounts.models import User

    supplier, officer = resident, another_person(browser, resident, "procure-officer-")
    supplier.prefix = "procure-supplier-"
    buyer = _signed_in(another_person(browser, resident, "procure-buyer-"), User.objects.get(username="dx-clerk"))
    evaluator = _signed_in(another_person(browser, resident, "procure-eval-"), User.objects.get(username="somu-clerk"))
    competitor = _signed_in(another_person(browser, resident, "procure-rival-"), rival_user)

    # when the company registers itself with its second factor, and 契約課 signs in and approves it
    _register(supplier)
    staff_sign_in(officer, "keiyaku-clerk", start="/staff/procurement/", heading="調達")
    _approve_all(officer)

    # and デジタル推進課 publishes a tender, names the evaluator, and both companies bid
    tender_id = _publish(buyer)
    buyer.page.locator("#ev").select_option(label="somu-clerk")
    buyer.page.get_by_role("button", name="評価者に指名する").click()
    _bid(supplier, tender_id, "900000", "初版の提案")
    supplier.page.get_by_role("button", name="入札を取り下げる").click()
    expect(supplier.page.locator(".notices")).to_contain_text("取り下げました")
    _bid(supplier, tender_id, "880000", "改訂版の提案：LGWAN対応とオンボーディング支援を含む")
    expect(supplier.page.locator("#h-bid + p")).to_contain_text("2")
    supplier.checkpoint("bid resubmitted")
    _bid(competitor, tender_id, "950000", "大規模自治体での実績に基づく提案")

    # then before the deadline nobody at the municipality reads a price, and opening is refused
    buyer.goto(f"/staff/procurement/tenders/{tender_id}/")
    expect(buyer.page.locator("#h-bids + p + table")).to_contain_text("封かん中")
    expect(buyer.page.locator("body")).not_to_contain_text("880,000")
    expect(buyer.page.get_by_role("button", name="開札する")).to_be_disabled()
    expect(buyer.page.locator("#open-hint")).to_contain_text("入札期限の後")
    buyer.checkpoint("bids sealed, early opening refused")

    # when the deadline passes (the live server shares this process: patching now() would also age
    # every session, so the deadline comes to the present instead; a second before/after is unit-tested)
    tender = Tender.objects.get(public_id=tender_id)
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(questions_deadline=now - timedelta(days=1), bid_deadline=now)
    supplier.goto(f"/procurement/tenders/{tender_id}/")
    expect(supplier.page.locator("#h-bid ~ p").last).to_contain_text("入札の受付は終了しました")
    supplier.page.locator("form.lang-switch button[value=en]").click()
    expect(supplier.page.locator("#h-bid ~ p").last).to_contain_text("Bidding has closed.")
    expect(supplier.page.locator("h1")).to_contain_text("An online application system")
    expect(supplier.page.locator("dl")).to_contain_text("Digital services")
    supplier.checkpoint("tender closed, in English")
    supplier.page.locator("form.lang-switch button[value=ja]").click()

    # and the department opens the bids
    buyer.goto(f"/staff/procurement/tenders/{tender_id}/")
    buyer.page.get_by_role("button", name="開札する").click()
    expect(buyer.page.locator(".notices")).to_contain_text("開札しました。開札者としてあなたの名前が記録されています。")
    expect(buyer.page.locator("#h-bids ~ p.notice")).to_contain_text("dx-clerk が開札しました")
    assert set(Bid.objects.filter(tender=tender).values_list("status", "price")) == {
        (BidStatus.OPENED, 880_000),
        (BidStatus.OPENED, 950_000),
    }
    buyer.checkpoint("bids opened")

    # and the evaluator declares no conflict and scores both bids
    evaluator.goto(f"/staff/procurement/evaluate/{tender_id}/")
    evaluator.page.get_by_label("利益相反はない").check()
    evaluator.page.get_by_role("button", name="申告する").click()
    expect(evaluator.page.locator(".notices")).to_contain_text("申告を記録しました")
    evaluator.checkpoint("scoring")
    _score(evaluator, COMPANY, ("8", "9"))
    _score(evaluator, RIVAL, ("7", "6"))
    evaluator.checkpoint("scores locked")

    # and the department completes the evaluation and awards to the top-ranked bid
    buyer.goto(f"/staff/procurement/tenders/{tender_id}/")
    expect(buyer.page.locator("#h-rank + table tbody tr").first).to_contain_text(COMPANY)
    buyer.checkpoint("ranking")
    buyer.page.get_by_role("button", name="評価を完了する").click()
    buyer.page.get_by_role("button", name="1位の入札者に落札決定する").click()
    expect(buyer.page.locator(".notices")).to_contain_text("落札者を決定しました。")
    expect(buyer.page.locator("#h-award + p")).to_contain_text(COMPANY)
    buyer.checkpoint("awarded, standstill")

    # then anyone reads the award on the public notices page
    public = another_person(browser, resident, "procure-public-")
    public.goto("/procurement/notices/")
    expect(public.page.locator("main")).to_contain_text(TITLE)
    expect(public.page.locator("main")).to_contain_text(COMPANY)
    public.checkpoint("public notices")

    # and the OCDS export validates against the 1.1.5 schema
    call_command("export_ocds", "--output", str(tmp_path), verbosity=0)
    releases = json.loads((tmp_path / "release-package.json").read_text(encoding="utf-8"))
    records = json.loads((tmp_path / "record-package.json").read_text(encoding="utf-8"))
    assert ocds.errors(releases, "release") == [] and ocds.errors(records, "record") == []
    awards = [a for r in releases["releases"] for a in r.get("awards", [])]
    assert [a["value"]["amount"] for a in awards] == [880_000]
    for who in (supplier, officer, buyer, evaluator, competitor, public):
        who.assert_clean()
