# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings (staff sign-in, rate limits); merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    "This sign-in is for municipal staff. Residents sign in here instead.": "このサインインは区職員用です。区民の方はこちらからサインインしてください。",
    "The directory account is not linked to a staff account here. Ask an administrator.": "このディレクトリのアカウントは職員アカウントに結び付けられていません。システム管理者にお問い合わせください。",
    "Staff must set up two-step verification before continuing.": "職員は、先に2段階認証を設定してください。",
    "Too many applications in a short time. Nothing was submitted; try again in %(minutes)s minutes.": "短時間に申請が多すぎます。今回の申請は送信されていません。%(minutes)s分後にもう一度お試しください。",
    "Too many attempts in a short time. Wait a few minutes, then try again.": "短時間に試行が多すぎます。数分待ってから、もう一度お試しください。",
    "Too many requests": "リクエストが多すぎます",
    "Back to the home page": "トップページに戻る",
    "Enter your user name and password.": "ユーザー名とパスワードを入力してください。",
    "For municipal staff. After your password you confirm with your authenticator app or security key.": "区職員用です。パスワードの後に、認証アプリまたはセキュリティキーで本人確認をします。",
    "Residents sign in here.": "区民の方のサインインはこちら",
    "Sign in with a passkey": "パスキーでサインイン",
    "Single sign-on": "シングルサインオン",
    "Sign in with %(name)s": "%(name)sでサインイン",
    "Security Keys": "セキュリティキー",
}
