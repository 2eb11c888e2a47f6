# SPDX-License-Identifier: MPL-2.0
"""法人番号: the 13-digit corporate number the National Tax Agency assigns, and its check digit.

The first digit checks the other twelve (法人番号の指定等に関する省令 第2条):
check = 9 − (Σ Pn × Qn mod 9), where Pn is the n-th of the twelve digits counted from the right
and Qn is 1 when n is odd, 2 when it is even.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def check_digit(base: str) -> int:
    """The check digit of a 12-digit base number."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def is_valid_corporate_number(value: str) -> bool:
    return len(value) == 13 and value.isascii() and value.isdigit() and int(value[0]) == check_digit(value[1:])


def validate_corporate_number(value: str) -> None:
    """A model and form validator: 13 ASCII digits whose first digit checks the rest."""
    if not (len(value) == 13 and value.isascii() and value.isdigit()):
        raise ValidationError(_("A corporate number is 13 digits."), code="format")
    if int(value[0]) != check_digit(value[1:]):
        raise ValidationError(_("This corporate number's check digit does not match."), code="check_digit")
