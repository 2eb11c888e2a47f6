# SPDX-License-Identifier: MPL-2.0
"""Japanese for 窓口・電話での代理入力 (counter.py) and the applications' channel vocabulary; merged by
locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    "Enter an application for a resident": "区民の申請を代理入力する",
    "Enter an application for a resident (counter, phone)": "窓口・電話で受けた申請を入力",
    "For a resident at the counter or on the phone. After these questions you fill in the same form the resident would, check the answers with them and submit; the receipt number is theirs.": "窓口や電話で受け付けた区民の申請を入力します。次の項目のあと、区民が使うものと同じフォームに入力し、内容を本人と確認してから送信します。受付番号は申請者のものです。",
    "How the resident applies": "受付の方法",
    "At the counter": "窓口",
    "On the phone": "電話",
    "Identity confirmed with": "本人確認に用いた書類",
    "I have confirmed the resident's identity with this document.": "この書類で本人確認を行いました。",
    "Confirm the resident's identity before you start.": "入力を始める前に本人確認を行ってください。",
    "Resident's e-mail address (optional)": "申請者のメールアドレス（任意）",
    "The receipt and the result notices go there. Leave it empty to hand over the receipt on paper.": "受付と結果のお知らせを送ります。空欄の場合は受付票を紙でお渡しください。",
    "Start the form": "入力を始める",
    "Your departments have no procedure that takes applications.": "所属課には受付中の手続きがありません。",
    "This procedure does not take applications now.": "この手続きは現在受け付けていません。",
    "My Number Card": "マイナンバーカード",
    "Driving licence": "運転免許証",
    "Passport": "パスポート",
    "Residence card": "在留カード",
    "Health insurance card and a second document": "健康保険の資格確認書類と補助書類",
    "Phone: called back on the registered number": "電話：登録番号への折り返しで確認",
}
