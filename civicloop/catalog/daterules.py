# SPDX-License-Identifier: MPL-2.0
"""Date rules a procedure puts on a `format: date` field: `x-date-rule` in its form schema.

```yaml
preferred_date:
  type: string
  format: date
  x-date-rule: {earliest: "+7 days", days: business}
```

`earliest` / `latest` are offsets from today (Asia/Tokyo): `today`, `+N days`, `-N days`,
`+N weeks`, `±N months`, `±N years` or `+N business days` (開庁日, core/calendar.py). `days`
narrows the choice to `weekdays` (Monday to Friday) or `business` days (no weekends, national
holidays or the year-end closure 12/29–1/3). Every bound is inclusive. The rule is checked when
the catalogue loads (`rule_problems`) and on every validation (formschema.validate), so the
web form and the API refuse the same dates.
"""

import calendar as pycalendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from civicloop.core.calendar import add_business_days, is_business_day

RULE_KEY = "x-date-rule"
DAY_KINDS = ("any", "weekdays", "business")
_OFFSET = re.compile(r"^(?:today|([+-])(\d{1,4}) (day|week|month|year|business day)s?)$")
_MONTHS_EN = [pycalendar.month_name[m] for m in range(13)]  # English whatever the process locale


@dataclass(frozen=True)
class Offset:
    sign: int
    amount: int
    unit: str  # day, week, month, year, business day

    def from_day(self, today: date) -> date:
        n = self.sign * self.amount
        if self.unit == "day":
            return today + timedelta(days=n)
        if self.unit == "week":
            return today + timedelta(weeks=n)
        if self.unit == "business day":
            return add_business_days(today, n)  # n >= 0: rule_problems refuses negative business days
        months = n * (12 if self.unit == "year" else 1)
        year, month = divmod(today.month - 1 + months, 12)
        year += today.year
        # 1/31 + 1 month is the last day of February, as people count months.
        return date(year, month + 1, min(today.day, pycalendar.monthrange(year, month + 1)[1]))


def parse_offset(text: str) -> Offset:
    match = _OFFSET.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not 'today' or an offset such as '+7 days' or '+3 business days'")
    if text.strip() == "today":
        return Offset(1, 0, "day")
    sign, amount, unit = match.groups()
    return Offset(-1 if sign == "-" else 1, int(amount), unit)


@dataclass(frozen=True)
class DateRule:
    earliest: Offset | None
    latest: Offset | None
    days: str

    @classmethod
    def of(cls, node: Mapping[str, Any]) -> "DateRule | None":
        """The rule on a schema node, or None (assumes the loader checked it)."""
        raw = node.get(RULE_KEY)
        if not isinstance(raw, Mapping):
            return None
        return cls(
            earliest=parse_offset(raw["earliest"]) if "earliest" in raw else None,
            latest=parse_offset(raw["latest"]) if "latest" in raw else None,
            days=str(raw.get("days", "any")),
        )

    @property
    def is_only_not_in_future(self) -> bool:
        """`latest: today` alone (a birth date): worth enforcing, not worth a hint on every such field."""
        return self.earliest is None and self.days == "any" and self.latest == Offset(1, 0, "day")

    def bounds(self, today: date) -> tuple[date | None, date | None]:
        earliest = self.earliest.from_day(today) if self.earliest else None
        latest = self.latest.from_day(today) if self.latest else None
        # The first allowed day, not a closed day the picker would offer first.
        while earliest and self.days != "any" and not self.is_right_kind(earliest):
            earliest += timedelta(days=1)
        return earliest, latest

    def is_right_kind(self, day: date) -> bool:
        if self.days == "weekdays":
            return day.weekday() < 5
        if self.days == "business":
            return is_business_day(day)
        return True

    def allows(self, day: date, today: date) -> bool:
        earliest, latest = self.bounds(today)
        return (earliest is None or day >= earliest) and (latest is None or day <= latest) and self.is_right_kind(day)

    def describe(self, today: date, *, english: bool, label: str = "") -> str:
        """The rule as one sentence with today's dates; with `label`, as the error message for that field."""
        earliest, latest = self.bounds(today)
        kind = _("a date") if self.days == "any" else _("a weekday") if self.days == "weekdays" else _("a working day")
        if earliest and latest:
            span = _("between %(start)s and %(end)s") % {
                "start": format_date(earliest, english),
                "end": format_date(latest, english),
            }
        elif earliest:
            span = _("on or after %(date)s") % {"date": format_date(earliest, english)}
        elif latest:
            span = _("on or before %(date)s") % {"date": format_date(latest, english)}
        else:
            span = ""
        if label:
            sentence = _("%(label)s must be %(kind)s %(span)s") % {"label": label, "kind": kind, "span": span}
        else:
            sentence = _("Choose %(kind)s %(span)s") % {"kind": kind, "span": span}
        sentence = sentence.strip()  # no span: "must be a weekday "
        note = {
            "any": "",
            "weekdays": _("Monday to Friday"),
            "business": _("not a weekend, a public holiday or 29 December to 3 January"),
        }[self.days]
        if not note:
            return sentence
        return f"{sentence} ({note})" if english else f"{sentence}（{note}）"


def format_date(day: date, english: bool) -> str:
    """One date style per language: 2026年12月11日 / 11 December 2026."""
    if english:
        return f"{day.day} {_MONTHS_EN[day.month]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def parse_date(value: object) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def rule_problems(node: Mapping[str, Any]) -> list[str]:
    """Why a field's `x-date-rule` cannot be used (empty when it can): read by the catalogue loader."""
    raw = node.get(RULE_KEY)
    if raw is None:
        return []
    if node.get("format") != "date":
        return [f"{RULE_KEY} is only for a field with format: date"]
    if not isinstance(raw, Mapping) or not raw:
        return [f"{RULE_KEY} must be a mapping with earliest, latest and/or days"]
    problems = [f"{RULE_KEY}: unknown key {key!r}" for key in raw if key not in {"earliest", "latest", "days"}]
    if raw.get("days", "any") not in DAY_KINDS:
        problems.append(f"{RULE_KEY}: days must be one of {', '.join(DAY_KINDS)}, not {raw['days']!r}")
    offsets: dict[str, Offset] = {}
    for key in ("earliest", "latest"):
        if key in raw:
            try:
                offsets[key] = parse_offset(raw[key])
            except ValueError as exc:
                problems.append(f"{RULE_KEY}: {key}: {exc}")
                continue
            if offsets[key].unit == "business day" and offsets[key].sign < 0 and offsets[key].amount:
                problems.append(f"{RULE_KEY}: {key}: business days count forward only")
    if not problems and len(offsets) == 2:
        # Checked on a plain day and just before the year-end closure, where business days stretch.
        for today in (date(2026, 6, 1), date(2026, 12, 25)):
            if offsets["earliest"].from_day(today) > offsets["latest"].from_day(today):
                problems.append(f"{RULE_KEY}: earliest comes after latest")
                break
    return problems
