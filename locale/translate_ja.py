# SPDX-License-Identifier: MPL-2.0
"""Japanese for every UI string. `make messages` runs makemessages, then this, then compilemessages.

Kept as a table so a reviewer reads source and translation side by side; strings missing here
fail `make messages` loudly instead of silently showing English to residents.
"""

import sys
from pathlib import Path

import polib

JA = {
    "The sign-in service is not available right now. Please try again later.": "現在、サインインのサービスを利用できません。時間をおいて再度お試しください。",
    "Sign-in did not complete. Nothing was changed; please sign in again.": "サインインが完了しませんでした。内容は変更されていません。もう一度サインインしてください。",
    "You are signed in.": "サインインしました。",
    "You have signed out.": "サインアウトしました。",
    "This form has no such attachment.": "この申請にはその添付書類の欄がありません。",
    "%(name)s is empty. Choose the file again.": "%(name)s は空のファイルです。もう一度ファイルを選んでください。",
    "%(name)s is larger than %(mb)s MB. Make it smaller and try again.": "%(name)s は %(mb)s MB を超えています。サイズを小さくしてもう一度お試しください。",
    "%(name)s is not a %(types)s file (its content was checked, not its name).": "%(name)s は %(types)s ファイルではありません（ファイル名ではなく中身で確認しています）。",
    "You can attach at most %(n)s files here.": "この欄に添付できるのは %(n)s 件までです。",
    "Attach %(label)s": "%(label)sを添付してください",
    "Draft": "下書き",
    "Received": "受付済み",
    "Under review": "審査中",
    "Correction requested": "補正依頼中",
    "Approved": "承認",
    "Rejected": "不承認",
    "Withdrawn": "取下げ",
    "Completed": "完了",
    "Choose a file to upload.": "アップロードするファイルを選んでください。",
    "%(name)s was attached.": "%(name)s を添付しました。",
    "%(name)s was removed.": "%(name)s を削除しました。",
    "Confirm the declaration to submit.": "申請するには、宣誓事項を確認してチェックしてください。",
    "Enter an email address such as name@example.jp, or leave it empty.": "メールアドレスは name@example.jp のように入力するか、空欄にしてください。",
    "this field": "この項目",
    "Select %(label)s": "%(label)sを選択してください",
    "Enter %(label)s": "%(label)sを入力してください",
    "%(label)s is not in the right format": "%(label)sの形式が正しくありません",
    "%(label)s must be at least %(n)s characters": "%(label)sは%(n)s文字以上で入力してください",
    "%(label)s must be %(n)s characters or fewer": "%(label)sは%(n)s文字以内で入力してください",
    "%(label)s must be a real date": "%(label)sは正しい日付を入力してください",
    "%(label)s must be an email address such as name@example.jp": "%(label)sは name@example.jp のような形式で入力してください",
    "Choose %(label)s from the options": "%(label)sは選択肢から選んでください",
    "%(label)s must be a number": "%(label)sは数字で入力してください",
    "%(label)s must be %(n)s or more": "%(label)sは%(n)s以上にしてください",
    "%(label)s must be %(n)s or less": "%(label)sは%(n)s以下にしてください",
    "Add at least %(n)s to %(label)s": "%(label)sを%(n)s件以上入力してください",
    "%(label)s can have at most %(n)s entries": "%(label)sは%(n)s件までです",
    "%(label)s contains fields this form does not have": "%(label)sにこの申請にない項目が含まれています",
    "Check %(label)s": "%(label)sの入力内容を確認してください",
    "Not given": "未入力",
    "Yes": "はい",
    "No": "いいえ",
    "Application": "申請",
    "Notification": "届出",
    "Japanese": "日本語",
    "English": "英語",
    "Sign in": "サインイン",
    "Sign in with the Digital Agency's Digital Authentication App (デジタル認証アプリ) and your My Number Card. We receive your name, address and date of birth to fill in forms for you.": "デジタル庁の「デジタル認証アプリ」とマイナンバーカードでサインインします。氏名・住所・生年月日を受け取り、申請書の入力に使います。",
    "Sign in (demo identity provider)": "サインイン（デモ用の認証）",
    "Sign in with the Digital Authentication App": "デジタル認証アプリでサインイン",
    "Sign-in is not configured on this server.": "このサーバーではサインインが設定されていません。",
    "Step %(n)s of %(total)s": "ステップ %(n)s / %(total)s",
    "Attach documents": "添付書類",
    "Back": "戻る",
    "Upload a photo or scan of each document. PDF, JPEG and PNG files are accepted where shown; the type is checked from the file itself.": "書類ごとに写真またはスキャンしたファイルをアップロードしてください。PDF・JPEG・PNG など欄ごとに示した形式が使えます。形式はファイルの中身で確認します。",
    "required": "必須",
    "optional": "任意",
    "%(types)s, up to %(mb)s MB each, up to %(n)s files": "%(types)s、1件 %(mb)s MB まで、%(n)s 件まで",
    "Remove": "削除",
    "Error: ": "エラー：",
    "Choose a file": "ファイルを選択",
    "Upload": "アップロード",
    "No documents are needed for your answers.": "入力内容では、添付書類は必要ありません。",
    "Continue": "次へ進む",
    "Check your answers": "入力内容の確認",
    "Check your answers before submitting": "申請する前に入力内容を確認してください",
    "Change": "変更",
    "Documents": "添付書類",
    "Not attached (required)": "未添付（必須）",
    "Not attached": "添付なし",
    "Email address for the confirmation": "受付確認メールの送り先",
    "Declaration": "宣誓",
    "I declare that the information I have given is true and complete.": "申請内容に偽りがなく、正確であることを誓約します。",
    "Submit": "申請する",
    "My applications": "申請履歴",
    "Receipt number": "受付番号",
    "Status": "状況",
    "Submitted": "申請日",
    "Department": "担当課",
    "History": "経過",
    "Documents you attached": "添付した書類",
    "Application received": "申請を受け付けました",
    "Your receipt number": "受付番号",
    "We have received your %(name)s.": "「%(name)s」を受け付けました。",
    "We have sent a confirmation email.": "受付確認のメールを送信しました。",
    "What happens next": "このあとの流れ",
    "A notification is complete when it arrives. The department will contact you only if something is missing.": "届出は到達した時点で完了します。不足がある場合のみ担当課から連絡します。",
    "The department will review your application.": "担当課が申請内容を審査します。",
    "If anything needs correcting, we will ask you in “My applications”.": "修正（補正）が必要な場合は「申請履歴」でお知らせします。",
    "Keep your receipt number for any enquiry.": "お問い合わせの際は受付番号をお伝えください。",
    "See the status of this application": "この申請の状況を見る",
    "Not yet submitted": "作成中（未申請）",
    "Last saved": "最終保存",
    "Submitted applications": "申請済みの一覧",
    "Procedure": "手続き",
    "Pages": "ページ",
    "Previous": "前へ",
    "Next": "次へ",
    "You have not submitted any applications yet.": "まだ申請はありません。",
    "Find a procedure": "手続きを探す",
    "Save and return to check your answers": "保存して確認画面に戻る",
    "Save and continue": "保存して次へ",
    "Your answers are saved at every step. You can come back later from “My applications”.": "入力内容はステップごとに保存されます。「申請履歴」から後で続きができます。",
    "Online services": "電子申請",
    "Skip to main content": "本文へ移動",
    "Account and language": "アカウントと言語",
    "Sign out": "サインアウト",
    "Demo environment: the people and data here are fictional.": "デモ環境です。登場する人物やデータは架空のものです。",
    "API for developers": "開発者向けAPI",
    "Apply online": "オンライン申請",
    "Apply to %(lg_name)s online": "%(lg_name)sの手続きをオンラインで",
    "Find a procedure, fill in the form from your phone or computer, and follow its progress. No visit, no paper.": "手続きを探して、スマートフォンやパソコンから申請し、進み具合を確認できます。窓口に来る必要も、紙も要りません。",
    "Search procedures": "手続きを検索",
    "e.g. そだいごみ, 住民票, 児童手当": "例：そだいごみ、住民票、児童手当",
    "Search": "検索",
    "By life event": "ライフイベントから探す",
    "%(n)s procedure": ["%(n)s 件の手続き"],
    "By department": "担当課から探す",
    "Standard processing period": "標準処理期間",
    "%(n)s business days": "%(n)s 開庁日",
    "%(n)s days": "%(n)s 日",
    "Deadline": "届出・申請の期限",
    "Fees": "手数料",
    "yen": "円",
    "Free": "無料",
    "Legal basis": "根拠法令",
    "Sign-in": "本人確認",
    "You can apply without signing in.": "サインインせずに申請できます。",
    "Sign in with the Digital Authentication App (or the demo sign-in).": "デジタル認証アプリ（デモではデモ用の認証）でサインインします。",
    "Documents you will need": "必要な書類",
    "only in some cases": "場合により必要",
    "What you will be asked": "入力する内容",
    "Start now": "申請を始める",
    "Sign in and start": "サインインして始める",
    "Continue without signing in": "サインインせずに進む",
    "Often needed together": "あわせて必要になることが多い手続き",
    "Results for “%(query)s”": "「%(query)s」の検索結果",
    "All procedures": "すべての手続き",
    "%(n)s procedure found": ["%(n)s 件見つかりました"],
    "No procedure matches. Try another word, or browse by life event or department.": "該当する手続きがありません。別の言葉で探すか、ライフイベントや担当課から探してください。",
    "Browse": "一覧から探す",
    "Demo identity provider": "デモ用の認証サービス",
    "This stands in for the Digital Authentication App. Choose a demo resident to sign in as; the portal receives a signed ID token through the same OpenID Connect flow.": "デジタル認証アプリの代わりに動くデモ用の認証です。サインインするデモ住民を選んでください。ポータルは同じ OpenID Connect の流れで署名付き ID トークンを受け取ります。",
    "Demo residents": "デモ住民",
    "Cancel": "キャンセル",
    "There is a problem": "入力内容に問題があります",
    "Add another": "もう1件追加",
    "Choose": "選択してください",
    "Demo environment": "デモ環境",
    "Your question": "お問い合わせ内容",
    "Describe your situation in your own words. You do not need to know which department handles it.": "ご自身の言葉で状況を書いてください。どの課の担当かわからなくても大丈夫です。",
    "Enter your question": "お問い合わせ内容を入力してください",
    "Your question must be 4,000 characters or fewer": "お問い合わせ内容は4,000文字以内で入力してください",
    "Email address for the answer": "回答を受け取るメールアドレス",
    "Attach a photo or document": "写真や書類を添付",
    "Waiting for a person to route it": "担当課を確認中",
    "With the department": "担当課で対応中",
    "Answered": "回答済み",
    "Portal": "ポータル",
    "Counter": "窓口",
    "Phone": "電話",
    "Attach a PDF, JPEG or PNG file of up to 10 MB (its content was checked, not its name).": "10 MB までの PDF・JPEG・PNG ファイルを添付してください（ファイル名ではなく中身で確認しています）。",
    "Help": "困ったときは",
    "What do I do when…": "こんなときどうする？",
    # 404 and answered-inquiry pages (ce34363 put these in django.po only; `make messages` dropped them).
    "There is no page at this address. If you typed it, check it; the page may also have moved or been removed.": "このアドレスのページはありません。入力した場合は、アドレスに誤りがないか確認してください。ページが移動または削除された可能性もあります。",
    "Go to the home page": "トップページへ戻る",
    "Page not found": "ページが見つかりません",
    "Get help": "ヘルプを見る",
    "Your question has been answered": "お問い合わせに回答しました",
    "Describe your situation": "状況を入力してください",
    "e.g. 引っ越したら何をすればいい？": "例：引っ越したら何をすればいい？",
    "Send us your question": "お問い合わせを送る",
    "Answers for “%(query)s”": "「%(query)s」への回答",
    "Answers": "回答",
    "We could not find an answer. Try other words, or send us your question.": "回答が見つかりませんでした。別の言葉で探すか、お問い合わせを送ってください。",
    "Procedures": "手続き",
    "Still need help?": "解決しないときは",
    "We have received your question": "お問い合わせを受け付けました",
    "Reference number": "問い合わせ番号",
    "A member of staff is finding the right department.": "職員が担当課を確認しています。",
    "Answer": "回答",
    "This procedure may be what you need": "こちらの手続きが該当するかもしれません",
    "These answers may help while you wait": "回答をお待ちの間、こちらもご覧ください",
    "We pass your question to the department that handles it. You will get a reference number to follow the answer.": "お問い合わせは担当課にお届けします。問い合わせ番号で回答の状況を確認できます。",
    "Send": "送信する",
    "My questions": "お問い合わせ履歴",
    "New": "新着",
    "In review": "審査中",
    "Closed": "完了",
    "On track": "期間内",
    "Due soon": "期限間近",
    "Overdue": "期限超過",
    "Done": "処理済み",
    "Another member of staff claimed this case first. Nothing was changed.": "他の職員が先にこの案件を担当しました。変更はしていません。",
    "You are now handling this case.": "この案件の担当になりました。",
    "Staff sign-in": "職員サインイン",
    "The user name or password is not right.": "ユーザー名またはパスワードが正しくありません。",
    "For municipal staff. Residents sign in with the Digital Authentication App.": "区職員用です。住民の方はデジタル認証アプリでサインインしてください。",
    "User name": "ユーザー名",
    "Password": "パスワード",
    "Inbox": "受付一覧",
    "Open": "未完了",
    "All": "すべて",
    "Processing period": "処理期間",
    "Any": "すべて",
    "Assignee": "担当者",
    "Anyone": "すべて",
    "Me": "自分",
    "Unassigned": "未割当",
    "Receipt number or name": "受付番号または氏名",
    "Filter": "絞り込む",
    "Cases": "案件",
    "Due": "処理期限",
    "No cases match.": "該当する案件はありません。",
    "Case": "案件",
    "Claim this case": "この案件を担当する",
    "Choose approve or refuse. A refusal must state its reasons.": "承認か不承認を選んでください。不承認には理由が必要です。",
    "This case is already closed. Nothing was changed.": "この案件は完了しています。変更はしていません。",
    "The decision was recorded and the resident can see it.": "決定を記録しました。申請者にも表示されます。",
    "Tick the box to confirm that you want to withdraw the application.": "取下げる場合は、確認のチェックを入れてください。",
    "This application can no longer be withdrawn.": "この申請は取下げできません。",
    "Your application was withdrawn.": "申請を取下げました。",
    "Decide": "決定する",
    "Decision": "決定",
    "Approve": "承認",
    "Refuse": "不承認",
    "Reasons, shown to the resident (required for a refusal)": "理由（申請者に表示されます。不承認の場合は必須）",
    "Record the decision": "決定を記録する",
    "Your application was refused": "申請は認められませんでした",
    "Reasons": "理由",
    "Your application was approved": "申請は承認されました",
    "Withdraw this application": "申請の取下げ",
    "I want to withdraw this application (取下げ)": "この申請を取下げます",
    "Withdraw": "取下げる",
    "Waiting for the resident's correction": "補正待ち",
    "Paused": "停止中（補正）",
    "Choose at least one answer or document and write the reason.": "補正する項目を1つ以上選び、理由を入力してください。",
    "A correction cannot be requested for this case now. Nothing was changed.": "この案件には現在、補正を依頼できません。変更はしていません。",
    "The correction request was sent to the resident. The processing period is paused.": "補正の依頼を申請者に送りました。処理期間は停止しています。",
    "Your corrected application was sent. Thank you.": "補正した申請を送信しました。ありがとうございました。",
    "Correct your application": "申請内容を補正する",
    "What the department asks": "担当課からの依頼内容",
    "Only the answers below can be changed. Everything else stays as you sent it.": "変更できるのは下の項目だけです。それ以外は申請したときのままです。",
    "Send the correction": "補正を送信する",
    "Request a correction (補正)": "補正を依頼する",
    "Answers to correct": "補正する項目",
    "Reason, shown to the resident": "理由（申請者に表示されます）",
    "Send the correction request": "補正の依頼を送る",
    "The department asks you to correct your application": "担当課から申請内容の補正の依頼があります",
    "Sent": "送信日",
    "You have not sent any questions yet.": "まだお問い合わせはありません。",
    "Remove %(label)s %(n)s": "%(label)s %(n)s を削除",
    "The request is larger than %(mb)s MB and was not accepted. Nothing was saved; send less at once, or attach large files one at a time.": "リクエストが %(mb)s MB を超えているため、受け付けませんでした。何も保存されていません。一度に送る量を減らすか、大きなファイルは1つずつ添付してください。",
    "Request too large": "リクエストが大きすぎます",
}


def _each_app_table() -> list[dict[str, str | list[str]]]:
    """Each app may keep its own strings in civicloop/<app>/ja.py, or ja_<part>.py (a dict named JA)."""
    import importlib.util

    tables = []
    root = Path(__file__).parent.parent / "civicloop"
    for path in sorted([*root.glob("*/ja.py"), *root.glob("*/ja_*.py")]):
        spec = importlib.util.spec_from_file_location(f"ja_{path.parent.name}_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tables.append(module.JA)
    return tables


def _app_tables() -> dict[str, str | list[str]]:
    merged: dict[str, str | list[str]] = {}
    for table in _each_app_table():
        merged.update(table)
    return merged


def conflicts(tables: list[dict[str, str | list[str]]]) -> list[str]:
    """msgids two tables translate differently: one string has one translation site-wide.

    gettext keeps one msgstr per msgid, so an app's table that re-translates a shared word ("Send")
    silently changes every other page that uses it. Give the new text its own msgid or a context.
    """
    seen: dict[str, str | list[str]] = {}
    clashes = []
    for table in tables:
        for msgid, value in table.items():
            if msgid in seen and seen[msgid] != value:
                clashes.append(f"{msgid!r}: {seen[msgid]!r} vs {value!r}")
            seen.setdefault(msgid, value)
    return clashes


def main(path: Path) -> int:
    clashes = conflicts([JA, *_each_app_table()])
    for clash in clashes:
        print(f"translated twice, differently: {clash}", file=sys.stderr)
    if clashes:
        return 1
    JA.update(_app_tables())
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        if entry.obsolete:  # a string no source uses any more
            continue
        value = JA.get(entry.msgid)
        if value is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value[0] if isinstance(value, list) else value}
        else:
            entry.msgstr = value if isinstance(value, str) else value[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "ja"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(path.with_suffix(".mo")))
    for msgid in missing:
        print(f"missing Japanese for: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(__file__).parent / "ja" / "LC_MESSAGES" / "django.po"))
