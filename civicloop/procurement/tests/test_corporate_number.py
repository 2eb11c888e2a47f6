# SPDX-License-Identifier: MPL-2.0
import pytest
from django.core.exceptions import ValidationError

from civicloop.procurement.corporate_number import check_digit, is_valid_corporate_number, validate_corporate_number

# 国税庁's own corporate number, as published on its site.
NTA = "7000012050002"


def test_it_computes_the_national_tax_agencys_check_digit() -> None:
    assert check_digit(NTA[1:]) == 7
    assert is_valid_corporate_number(NTA)


@pytest.mark.parametrize(
    "value", ["6000012050002", "700001205000", "70000120500021", "７000012050002", "A000012050002"]
)
def test_it_refuses_a_wrong_check_digit_or_format(value: str) -> None:
    assert not is_valid_corporate_number(value)
    with pytest.raises(ValidationError):
        validate_corporate_number(value)
