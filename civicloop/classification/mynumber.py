# SPDX-License-Identifier: MPL-2.0
"""個人番号 (My Number): kept in its own encrypted field, and every read is logged.

A form answer named `my_number` is moved out of the answers into `my_number_encrypted` when the
application is submitted (subscribers.py). The envelope is never opened on attribute access:
`read_my_number` is the only way to the clear value, and it asks the policy and writes an audit
entry each time (番号法 requires the use of 個人番号 to be traceable).
"""

import re
from typing import Any

from django.contrib.auth.models import AnonymousUser

from civicloop.accounts.models import User
from civicloop.classification import crypto, family
from civicloop.classification.fields import binding_of
from civicloop.classification.policy import NO_CONTEXT, Action, Context, actor_label, decide, object_type_label, rank
from civicloop.core import audit
from civicloop.core.models import Classification

ANSWER_KEY = "my_number"
FIELD = "my_number_encrypted"
_DIGITS = re.compile(r"^\d{12}$")


class MyNumberInvalid(ValueError):
    """Not twelve digits, or the check digit does not match."""


class MyNumberDenied(Exception):
    """The policy refused the read (the caller answers 404)."""


def check_digit(first_eleven: str) -> int:
    """The 12th digit (行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条)."""
    total = 0
    for n, digit in enumerate(reversed(first_eleven), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(digit) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def normalize(value: Any) -> str:
    """Digits only: spaces, hyphens and full-width digits as residents type them are accepted."""
    text = str(value).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return re.sub(r"[\s\-‐－]", "", text)


def validate_my_number(value: Any) -> str:
    digits = normalize(value)
    if not _DIGITS.match(digits):
        raise MyNumberInvalid("個人番号 is twelve digits")
    if check_digit(digits[:11]) != int(digits[11]):
        raise MyNumberInvalid("the check digit of the 個人番号 does not match")
    return digits


def _tier(obj: Any) -> str:
    tier = str(getattr(obj, "classification", Classification.OFFICIAL))
    return tier if rank(tier) >= rank(Classification.SECRET) else Classification.SECRET


def seal_my_number(obj: Any, value: str) -> None:
    """Put the number into the object's encrypted field (SECRET key at least); the caller saves."""
    setattr(obj, FIELD, crypto.seal_json(value, tier=_tier(obj), binding=binding_of(obj, FIELD)))


def has_my_number(obj: Any) -> bool:
    return crypto.is_envelope(getattr(obj, FIELD, None))


def holder_in_family(obj: Any) -> Any | None:
    """The member of `obj`'s label family that holds a sealed 個人番号, if any.

    Walks only the links that can lead to a model with the field: from a case, its application
    (loaded with it), not its comments, corrections and documents.
    """
    members = family.family_of(obj, through=family.leading_to(FIELD))
    return next((m for m in members if has_my_number(m)), None)


def read_my_number(obj: Any, *, user: User | AnonymousUser, purpose: str, context: Context = NO_CONTEXT) -> str | None:
    """The clear 個人番号 of `obj` for `user`, if the policy allows viewing it. Always audited."""
    if not decide(user, Action.VIEW, obj, context).allowed:
        raise MyNumberDenied
    envelope = getattr(obj, FIELD, None)
    audit.record(
        actor=actor_label(user),
        action="my_number.read",
        object_type=object_type_label(obj),
        object_id=str(obj.public_id),
        data={"purpose": purpose[:200], "present": crypto.is_envelope(envelope)},
        classification=_tier(obj),
    )
    if envelope is None or not crypto.is_envelope(envelope):
        return None
    return str(crypto.open_json(envelope, binding=binding_of(obj, FIELD)))
