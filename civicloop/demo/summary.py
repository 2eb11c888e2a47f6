# SPDX-License-Identifier: MPL-2.0
"""The block `make run` ends with: where the demo is, who can sign in, and how.

Printed by `serve_demo` once the server listens, so it is the last thing on the screen rather
than something that scrolls away under the start-up output; `seed_demo` prints it too.
"""

import os
import shlex
from itertools import groupby

from django.conf import settings

from civicloop.accounts.models import Department
from civicloop.demo.residents import DEMO_RESIDENTS
from civicloop.demo.seed import DEMO_STAFF, demo_admin_password

RULE = "─" * 72

# Variables a later `make totp` must be given again to reach the same installation.
_INSTALLATION_VARIABLES = ("CIVICLOOP_VAR_DIR", "DATABASE_URL")


def summary_block(site_url: str) -> str:
    """The URL, the demo residents, the staff logins and how to get their one-time codes."""
    site = site_url.rstrip("/")
    residents = " · ".join(r["name"] for r in DEMO_RESIDENTS)
    lines = [
        RULE,
        f" civicloop デモ / demo   {site}/",
        RULE,
        " 住民 Residents    「サインイン」→ デモ用の認証 / demo identity provider → choose:",
        f"                   {residents}",
        f" 職員 Staff        {site}/staff/login/   password / パスワード  {demo_admin_password()}",
        *_staff_lines(),
        f"                   demo-admin  (管理 / administration: {site}/admin/)",
        " 手数料 Fees       住民票・戸籍の手数料と返金 / fees and refunds: clerk-koseki",
        f"                   照合 / reconciliation: kakaricho-koseki  {site}/staff/payments/reconciliation/",
        f" 確認コード Code   {totp_command('clerk-seiso')}",
        "                   (the code each member's authenticator app would show / 認証アプリのコード)",
        f" メール Mail       {mail_location()}",
        " 停止 Stop         Ctrl+C      (development server, not for production / 開発用サーバー)",
        RULE,
    ]
    return "\n".join(lines)


def _staff_lines() -> list[str]:
    names = dict(Department.objects.values_list("code", "name_ja"))
    lines = []
    for code, members in groupby(DEMO_STAFF, key=lambda member: member[2]):
        usernames = "  ".join(member[0] for member in members)
        lines.append(f"                   {usernames}  ({names.get(code, code)})")
    return lines


def totp_command(username: str) -> str:
    """`make totp who=<username>`, with the variables that chose this installation, if any."""
    prefix = [f"{name}={shlex.quote(os.environ[name])}" for name in _INSTALLATION_VARIABLES if os.environ.get(name)]
    return " ".join([*prefix, "make", "totp", f"who={username}"])


def mail_location() -> str:
    """Where the e-mail the demo sends ends up, in words."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
        return f"{settings.EMAIL_FILE_PATH}/  (one file per message / 1 通 1 ファイル)"
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        return "printed here, by the worker / このコンソールに表示"
    return settings.EMAIL_BACKEND
