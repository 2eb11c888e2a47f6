# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings; merged by locale/translate_ja.py.

The notices themselves are not here: each has its own Japanese and English files under
templates/notifications/<code>/<lang>/.
"""

JA: dict[str, str | list[str]] = {
    # channels and delivery status (models)
    "Notices on this site": "このサイトのお知らせ",
    "Email": "メール",
    "SMS": "SMS",
    "LINE": "LINE",
    "Webhook": "Webhook",
    "Queued": "送信待ち",
    "Sending": "送信中",
    "Sent out": "送信済み",
    "Failed, will retry": "失敗（再送予定）",
    "Gave up": "送信を断念",
    # the preferences form
    "Language of notices": "お知らせの言語",
    "SMS (text message)": "SMS（ショートメッセージ）",
    "Mobile number": "携帯電話番号",
    "For example 090-1234-5678.": "例：090-1234-5678",
    "LINE user ID": "LINE のユーザー ID",
    "Add our official LINE account as a friend; it replies with your user ID (U followed by 32 characters).": "区の LINE 公式アカウントを友だち追加すると、あなたのユーザー ID（U で始まる 33 文字）が届きます。",
    "Enter a mobile number such as 090-1234-5678.": "携帯電話番号を 090-1234-5678 のように入力してください。",
    "Enter the LINE user ID our account sent you: U followed by 32 characters.": "区の LINE 公式アカウントから届いたユーザー ID（U で始まる 33 文字）を入力してください。",
    "Enter a mobile number to get notices by SMS.": "SMS で受け取るには、携帯電話番号を入力してください。",
    "Enter your LINE user ID to get notices on LINE.": "LINE で受け取るには、LINE のユーザー ID を入力してください。",
    "Your choices are saved. New notices will follow them.": "設定を保存しました。これからのお知らせは、この設定でお届けします。",
    # pages
    "Notices": "お知らせ",
    "Everything we have sent you is here, whether or not you also get it by email, SMS or LINE.": "区からのお知らせはすべてここに届きます。メール・SMS・LINE で受け取っている場合も同じです。",
    "Choose how you get notices": "お知らせの受け取り方を選ぶ",
    "You have no notices yet.": "まだお知らせはありません。",
    "All notices": "お知らせ一覧",
    "How you get notices": "お知らせの受け取り方",
    "Every notice is always on the Notices page of this site. Choose where else we should tell you.": "お知らせは、いつでもこのサイトの「お知らせ」ページで確認できます。ほかにどこでお知らせを受け取るかを選んでください。",
    "Also tell me by": "次の方法でも受け取る",
    "To %(email)s, the address of your account.": "アカウントのメールアドレス（%(email)s）に送ります。",
    "Your account has no email address.": "アカウントにメールアドレスが登録されていません。",
    "SMS and LINE carry only a short line and a link. For sensitive matters they say only that there is a new notice; sign in to read it.": "SMS と LINE では、短い文とリンクだけをお送りします。機微な内容のお知らせは「新しいお知らせがあります」とだけお伝えしますので、サインインしてご確認ください。",
    "Save": "保存する",
    "Only the department a notice belongs to can send it again.": "お知らせを再送できるのは、そのお知らせの担当課だけです。",
}
