# SPDX-License-Identifier: MPL-2.0
"""Japanese for the resident form pages' strings (merged by locale/translate_ja.py)."""

JA: dict[str, str | list[str]] = {
    "Filled in from your sign-in": "デジタル認証アプリから入力しました",
    # ワンスオンリー: the life-event bundle (applications/bundles.py, follow_ups.html)
    "Filled in from your %(name)s": "%(name)sのお答えから入力しました",
    "Procedures that follow: %(name)s": "あわせて必要な手続き（%(name)s）",
    "After your %(name)s (%(number)s), these procedures are often needed too.": "%(name)s（受付番号 %(number)s）のあとに、次の手続きが必要になることがよくあります。",
    "Choose the procedures you need": "必要な手続きを選んでください",
    "We fill in what you have already told us and what your sign-in confirms. You check each answer and change it if needed before you submit.": "すでにお答えいただいた内容とデジタル認証アプリの情報を入力しておきます。申請の前に一つずつ確認し、必要なら直してください。",
    "%(n)s answer will be filled in for you": ["%(n)s 項目を入力済みにします"],
    "Prepare these with my answers filled in": "入力済みで準備する",
    "%(n)s answer was filled in for you": ["%(n)s 項目を入力済みにしました（もう一度入力する必要はありません）"],
    "Prepared for you": "準備した手続き",
    "%(n)s answer filled in": ["%(n)s 項目入力済み"],
    "Check and continue": "確認して進む",
    "You may also need": "ほかに必要かもしれない手続き",
    "See the procedures prepared for you": "準備した手続きを見る",
    "Procedures that often follow this one": "この届出のあとに必要になることが多い手続き",
    # FeeUnpaid (actions.py): a fee paid before submission
    "Pay the fee to send this application.": "この申請は、手数料をお支払いいただくと送信されます。",
}
