# SPDX-License-Identifier: MPL-2.0
"""Internal e-mail counts from the mail server's monthly report, for the staff dashboard.

The file is a CSV with a header row `month,department,messages` (UTF-8, a BOM allowed): the month
as YYYY-MM, the department by its code (DOMAIN.md), the number of internal e-mails its staff sent.
Every row is checked first; one bad row imports nothing and each problem is named by its line.
Importing a month and department again replaces its figure.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from civicloop.accounts.models import Department
from civicloop.analytics.models import InternalMailCount

COLUMNS = ("month", "department", "messages")


class MailCountsInvalid(ValueError):
    """The file can't be imported; the message names every problem with its line."""


@dataclass(frozen=True)
class Imported:
    created: int
    replaced: int


def read(path: Path) -> list[tuple[date, str, int]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MailCountsInvalid(f"{path}: cannot be read as UTF-8 text ({error})") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [name.strip() for name in reader.fieldnames] != list(COLUMNS):
        raise MailCountsInvalid(f"{path}: the header must be {','.join(COLUMNS)} (found {reader.fieldnames})")
    known = set(Department.objects.values_list("code", flat=True))
    rows, problems, seen = [], [], set()
    for line, record in enumerate(reader, start=2):
        month_text, department, count_text = (str(record.get(c) or "").strip() for c in COLUMNS)
        try:
            year, month_number = (int(part) for part in month_text.split("-"))
            month = date(year, month_number, 1)
        except ValueError:
            problems.append(f"line {line}: month {month_text!r} is not YYYY-MM")
            continue
        if department not in known:
            problems.append(f"line {line}: unknown department {department!r}")
            continue
        if not count_text.isdigit():
            problems.append(f"line {line}: messages {count_text!r} is not a whole number of 0 or more")
            continue
        if (month, department) in seen:
            problems.append(f"line {line}: {month_text} {department} appears twice")
            continue
        seen.add((month, department))
        rows.append((month, department, int(count_text)))
    if problems:
        raise MailCountsInvalid("nothing imported:\n" + "\n".join(problems))
    return rows


def import_file(path: Path) -> Imported:
    rows = read(path)
    created = replaced = 0
    with transaction.atomic():
        for month, department, messages in rows:
            _count, new = InternalMailCount.objects.update_or_create(
                month=month, department=department, defaults={"messages": messages, "source": path.name}
            )
            created, replaced = created + new, replaced + (not new)
    return Imported(created, replaced)
