# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings; merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    # Application.Status.AWAITING_PAYMENT (set by cases when the case reaches 手数料納付)
    "Awaiting fee payment": "手数料のお支払い待ち",
    # Payment.State
    "Awaiting payment": "未納",
    "Paid": "納付済み",
    "Refunded": "返金済み",
    # WebhookEvent.Outcome and ReconciliationLine.Kind (the admin and the reconciliation report)
    "Applied": "反映済み",
    "Replayed (no change)": "再送（変更なし）",
    "Forged or bad signature": "署名不正（偽造の疑い）",
    "Outside the timestamp tolerance": "有効期間外（遅延）",
    "Malformed": "形式不正",
    "Amount differs from the fee": "手数料と金額が不一致",
    "No such payment": "該当する支払いなし",
    "Ignored kind": "対象外の通知",
    "In the provider's file, not in civicloop": "決済事業者の明細にのみあり",
    "Paid in civicloop, not in the provider's file": "civicloopにのみあり",
    "Amounts differ": "金額の不一致",
    # The resident's application page
    "Fee": "手数料",
    "Amount": "金額",
    "Payment": "お支払い",
    "Pay": "支払う",
    "%(amount)s yen": "%(amount)s円",
    "%(unit)s yen × %(quantity)s = %(total)s yen": "%(unit)s円 × %(quantity)s = %(total)s円",
    "Your application was approved. We send the result once the fee is paid. You can pay by card, at a convenience store, by Pay-easy or by QR code.": "申請を承認しました。手数料のお支払いを確認した後に結果をお送りします。クレジットカード、コンビニ払い、Pay-easy（ペイジー）、QRコード決済でお支払いいただけます。",
    "Download the receipt (PDF)": "領収書をダウンロード（PDF）",
    "Payment receipt number": "領収番号",
    "Please pay the fee of %(amount)s yen at the counter. We send the result once it is paid.": "手数料 %(amount)s円 を窓口でお支払いください。お支払いを確認した後に結果をお渡しします。",
    "Payment is not available just now. Please try again later.": "ただいまお支払いの手続きができません。しばらくしてからもう一度お試しください。",
    "Thank you. Your payment was received.": "お支払いを確認しました。ありがとうございました。",
    "We have not yet received confirmation of your payment. This page will show it once we do.": "お支払いの確認をお待ちしています。確認できしだい、このページに表示します。",
    # The clerk's case page
    "Paid online, the case moves on by itself. Record here a fee paid at the counter.": "オンラインで支払われると自動で次に進みます。窓口で納付された手数料はここで記録します。",
    "Refunded %(amount)s yen by %(name)s": "%(name)sが%(amount)s円を返金",
    "Reason for the refund": "返金の理由",
    "Refund": "返金する",
    "Give the reason for the refund.": "返金の理由を入力してください。",
    "The payment was refunded.": "返金しました。",
    # The demo provider's page
    "Demo payment provider": "デモ決済サービス",
    "This stands in for a payment provider's page. No money moves: paying here sends the portal a signed notice, as a real provider would.": "決済事業者の画面の代わりです。実際のお金は動きません。支払うと、本物の決済事業者と同じように署名付きの通知がポータルに送られます。",
    "Payee": "お支払い先",
    "How do you pay?": "お支払い方法",
    "Pay %(amount)s yen": "%(amount)s円を支払う",
    # The reconciliation report
    "Reconciliation of payments": "決済の突合",
    "Each import of the provider's settlement file (manage.py reconcile_payments) and what it found.": "決済事業者の精算ファイルの取込み（manage.py reconcile_payments）ごとの突合結果です。",
    "Imported": "取込日時",
    "File": "ファイル",
    "Matched": "一致",
    "Differences": "差異",
    "No settlement file has been imported yet.": "精算ファイルはまだ取り込まれていません。",
    "%(matched)s matched, %(count)s differences.": "一致 %(matched)s件、差異 %(count)s件。",
    "Difference": "差異の種類",
    "Provider's payment id": "決済事業者の決済ID",
    "Amount here (yen)": "civicloopの金額（円）",
    "Amount at the provider (yen)": "決済事業者の金額（円）",
}
