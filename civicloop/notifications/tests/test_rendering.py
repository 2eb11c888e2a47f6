# SPDX-License-Identifier: MPL-2.0
"""Every notice renders in both languages, says what it must, and keeps classified matters inside."""

import datetime

import pytest

from civicloop.core.models import Classification
from civicloop.notifications.rendering import (
    LANGUAGES,
    TEMPLATE_CODES,
    UnknownTemplate,
    render,
    render_for_outside,
)

SAMPLE = {
    "procedure": {"ja": "粗大ごみ収集申込", "en": "Bulky waste collection"},
    "receipt_number": "2026-7KQ4-M9XD",
    "reference_number": "Q-2026-ABCD-EFGH",
    "application_url": "https://city.example/applications/1/",
    "correction_url": "https://city.example/applications/1/correction/",
    "document_url": "https://city.example/applications/1/documents/2/",
    "inquiry_url": "https://city.example/inquiries/3/",
    "case_url": "https://city.example/staff/cases/4/",
    "notice_url": "https://city.example/notifications/5/",
    "inbox_url": "https://city.example/notifications/",
    "items": [{"ja": "収集場所", "en": "Collection place"}],
    "reason": "番地が見つかりません。",
    "outcome": "approve",
    "state": "overdue",
    "due_date": datetime.date(2026, 12, 10),
    "requester": "清掃 一郎",
    "reviewer": "清掃 花子",
    "title": "第3回定例会 答弁書",
    "version": 2,
    "comment": "第二項を具体的に",
}


@pytest.mark.parametrize("code", sorted(TEMPLATE_CODES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_notice_renders_a_one_line_subject_a_body_and_a_short_text(code: str, language: str) -> None:
    rendered = render(code, language, SAMPLE)

    assert rendered.title and "\n" not in rendered.title
    assert rendered.body.strip() and rendered.short.strip()
    assert "{{" not in rendered.body + rendered.short and "{%" not in rendered.body + rendered.short


def test_the_receipt_notice_names_the_procedure_and_number_in_japanese() -> None:
    rendered = render("application.received", "ja", SAMPLE)

    assert rendered.title == "【渋谷区】受付のお知らせ（粗大ごみ収集申込）受付番号 2026-7KQ4-M9XD"
    assert "受付番号：2026-7KQ4-M9XD" in rendered.body
    assert "https://city.example/applications/1/" in rendered.body


def test_the_receipt_notice_in_english_uses_the_english_names() -> None:
    rendered = render("application.received", "en", SAMPLE)

    assert rendered.title == "[Shibuya City] We received your Bulky waste collection (receipt number 2026-7KQ4-M9XD)"
    assert "Receipt number: 2026-7KQ4-M9XD" in rendered.body
    assert "粗大ごみ" not in rendered.body


def test_a_correction_request_lists_the_items_the_reason_and_the_link() -> None:
    context = {**SAMPLE, "items": [{"ja": "収集場所", "en": "Collection place"}, {"ja": "写真", "en": "Photo"}]}

    ja = render("case.correction_requested", "ja", context)
    en = render("case.correction_requested", "en", context)

    assert "・収集場所\n・写真" in ja.body and "番地が見つかりません。" in ja.body
    assert "- Collection place\n- Photo" in en.body
    assert str(SAMPLE["correction_url"]) in ja.body and str(SAMPLE["correction_url"]) in en.short


def test_a_reminder_says_overdue_or_due_soon() -> None:
    overdue = render("case.reminder", "ja", SAMPLE)
    soon = render("case.reminder", "en", {**SAMPLE, "state": "due_soon"})

    assert overdue.title.startswith("【渋谷区】期限超過") and "（期限 2026年12月10日）" in overdue.title
    assert soon.title.startswith("[Shibuya City] Due soon") and str(SAMPLE["case_url"]) in soon.body
    assert "(due 10 December 2026)" in soon.title  # one date style per language (config/formats)


def test_plain_text_is_not_html_escaped() -> None:
    rendered = render("application.received", "en", {**SAMPLE, "procedure": {"ja": "A&B", "en": "A&B <permit>"}})

    assert "A&B <permit>" in rendered.body
    assert "&amp;" not in rendered.body


def test_a_secret_notice_leaves_the_site_only_as_a_pointer_to_sign_in() -> None:
    outside = render_for_outside("case.correction_requested", "ja", Classification.SECRET, SAMPLE)

    text = outside.title + outside.body + outside.short
    assert "新しいお知らせがあります" in outside.title
    assert "サインイン" in outside.short and str(SAMPLE["inbox_url"]) in outside.short
    for detail in ("粗大ごみ", "2026-7KQ4-M9XD", "番地", "収集場所"):
        assert detail not in text


def test_an_official_notice_leaves_the_site_in_full() -> None:
    outside = render_for_outside("application.received", "en", Classification.OFFICIAL, SAMPLE)

    assert "2026-7KQ4-M9XD" in outside.short


def test_an_unknown_template_code_is_refused() -> None:
    with pytest.raises(UnknownTemplate):
        render("case.exploded", "ja", SAMPLE)
