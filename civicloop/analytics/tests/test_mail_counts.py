# SPDX-License-Identifier: MPL-2.0
"""Internal e-mail counts from the mail server: imported once per month and department, shown in scope."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.analytics.models import InternalMailCount

pytestmark = pytest.mark.django_db


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mail.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_counts_import_and_show_beside_chat_for_the_viewers_departments_only(
    catalog: None, koseki_clerk: User, staff_client: Callable[[User], Client], tmp_path: Path
) -> None:
    month = timezone.localdate().replace(day=1)
    text = f"month,department,messages\n{month:%Y-%m},koseki_juumin,1200\n{month:%Y-%m},seiso,800\n"
    call_command("import_mail_counts", csv_file(tmp_path, text))
    # a corrected report replaces the month's figure rather than adding to it
    call_command(
        "import_mail_counts", csv_file(tmp_path, f"month,department,messages\n{month:%Y-%m},koseki_juumin,1100\n")
    )
    assert InternalMailCount.objects.get(month=month, department="koseki_juumin").messages == 1100

    page: dict[str, Any] = staff_client(koseki_clerk).get("/staff/dashboards/staff/data.json").json()
    chart = next(c for c in page["charts"] if c["id"] == "messages")
    email = [c["key"] for c in chart["columns"]].index("email")
    assert chart["rows"][-1][email] == 1100  # 清掃リサイクル課's 800 is not this clerk's to see


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("month,dept,messages\n2026-11,seiso,1\n", "the header must be"),
        ("month,department,messages\n2026/11,seiso,1\n", "line 2: month '2026/11' is not YYYY-MM"),
        ("month,department,messages\n2026-11,nowhere,1\n", "line 2: unknown department 'nowhere'"),
        ("month,department,messages\n2026-11,seiso,-3\n", "line 2: messages '-3' is not a whole number"),
        ("month,department,messages\n2026-11,seiso,1\n2026-11,seiso,2\n", "line 3: 2026-11 seiso appears twice"),
    ],
)
def test_a_bad_file_names_each_problem_and_imports_nothing(
    catalog: None, tmp_path: Path, text: str, problem: str
) -> None:
    # a good row after the bad one: still nothing is imported
    with pytest.raises(CommandError, match=problem):
        call_command("import_mail_counts", csv_file(tmp_path, text + "2026-10,seiso,5\n"))
    assert not InternalMailCount.objects.exists()
