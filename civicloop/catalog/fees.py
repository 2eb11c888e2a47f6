# SPDX-License-Identifier: MPL-2.0
"""What a procedure charges (its `fees` in the catalogue) and when it is paid (`fee_payment`).

A fee line is a fixed amount in yen, charged when its `when` condition holds (the same
{field, equals | in} as steps and attachments), and multiplied by the integer answer named by
`per` (通数, 頭数). That covers a fixed fee (住民票の写し 300円), a fee per item from an answer
(300円 × 通数) and one computed from answers (戸籍: 450円 or 750円 by the kind of certificate,
× 通数). `fee_payment.timing` says when the resident pays through civicloop:

- `after_approval`: the process has a 手数料納付 step after the 決裁; the case waits there.
- `before_submission`: paid before the application is sent; the process has no fee step.
- `outside`: paid outside civicloop (at the counter, 処理券 from a shop); a clerk records it.

The loader refuses a file whose fees and process disagree (`problems`), so a case never waits
at 手数料納付 with nothing to pay, and an amount never depends on a field that is not a number.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicloop.catalog.formschema import condition_holds, iter_fields, lookup
from civicloop.catalog.process import WorkflowError, parsed_spec, spec_version

TIMINGS = ("after_approval", "before_submission", "outside")
FEE_TASK = "fee"


@dataclass(frozen=True)
class FeeLine:
    """One charged line: the fee's label, the unit amount, how many and the line's total."""

    label_ja: str
    label_en: str
    unit_yen: int
    quantity: int
    total_yen: int

    def label_in(self, english: bool) -> str:
        return self.label_en if english else self.label_ja


@dataclass(frozen=True)
class FeeQuote:
    """What an application owes: its lines and their sum, in yen (integers, never floats)."""

    timing: str
    lines: tuple[FeeLine, ...]

    @property
    def total_yen(self) -> int:
        return sum(line.total_yen for line in self.lines)


def timing(definition: Mapping[str, Any]) -> str:
    """`after_approval`, `before_submission`, `outside`, or "" when civicloop takes no fee."""
    payment = definition.get("fee_payment") or {}
    return str(payment.get("timing", ""))


def quote(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> FeeQuote:
    """The fee lines that apply to these answers; a `per` answer that is not a whole number ≥ 0 counts 0."""
    lines = []
    for fee in definition.get("fees", []):
        if not condition_holds(fee.get("when"), answers):
            continue
        quantity = 1
        if "per" in fee:
            value = lookup(answers, fee["per"])
            quantity = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
        if quantity == 0:
            continue
        amount = int(fee["amount_yen"])
        lines.append(FeeLine(fee["label"]["ja"], fee["label"]["en"], amount, quantity, amount * quantity))
    return FeeQuote(timing(definition), tuple(lines))


def has_fee_task(workflow: str, root: Path | None = None) -> bool:
    """Whether the named process has a 手数料納付 user task."""
    try:
        found = parsed_spec(spec_version(workflow, root))
    except (WorkflowError, OSError, ValueError):
        return False
    return any(getattr(task, "name", "") == FEE_TASK for task in found.task_specs.values())


def problems(definition: Mapping[str, Any], *, fee_step: bool) -> list[tuple[str, str]]:
    """(path, reason) for each way the fees and `fee_payment` cannot work; `fee_step` says whether
    the procedure's process has a 手数料納付 step."""
    found: list[tuple[str, str]] = []
    fees = definition.get("fees", [])
    when = timing(definition)
    if when and not fees:
        found.append(("fee_payment", "fee_payment needs at least one entry in fees"))
    if fee_step and not when:
        found.append(("fee_payment", "the process has a 手数料納付 (fee) step: say how the fee is paid in fee_payment"))
    if when == "before_submission" and fee_step:
        found.append(("fee_payment/timing", "a fee paid before submission cannot also wait at the process's fee step"))
    if when == "before_submission" and definition.get("allows_guest"):
        found.append(
            ("fee_payment/timing", "a fee paid before submission needs a signed-in resident (allows_guest: false)")
        )
    if when in {"after_approval", "outside"} and not fee_step:
        found.append(("fee_payment/timing", f"{when} needs a process with a 手数料納付 (fee) step"))
    specs = {spec.path: spec for spec in iter_fields(definition["form"]["schema"])}
    for i, fee in enumerate(fees):
        per = fee.get("per")
        if per is not None and (per not in specs or specs[per].node.get("type") != "integer"):
            found.append((f"fees/{i}/per", f"{per!r} is not an integer field of the form"))
        condition = fee.get("when")
        if condition and condition["field"] not in specs:
            found.append((f"fees/{i}/when/field", f"{condition['field']!r} is not a field of the form"))
    return found
