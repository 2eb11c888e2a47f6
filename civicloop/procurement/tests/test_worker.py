# SPDX-License-Identifier: MPL-2.0
"""Expiry reminders: 30 and 7 days before a declaration lapses, once each."""

from datetime import date, timedelta

from civicloop.notifications.models import Message
from civicloop.procurement.models import SecurityDeclaration
from civicloop.procurement.tests.conftest import Cast
from civicloop.procurement.worker import remind_expiring

TODAY = date(2027, 1, 10)


def expiring_in(cast: Cast, days: int) -> SecurityDeclaration:
    SecurityDeclaration.objects.update(expires_on=TODAY + timedelta(days=365))
    declaration = SecurityDeclaration.objects.get(service__supplier=cast.alpha)
    declaration.expires_on = TODAY + timedelta(days=days)
    declaration.save(update_fields=["expires_on"])
    return declaration


def test_a_declaration_30_days_from_expiry_is_reminded_once(cast: Cast) -> None:
    expiring_in(cast, 30)
    assert remind_expiring(TODAY) == 1
    assert remind_expiring(TODAY + timedelta(days=1)) == 0
    assert Message.objects.filter(recipient=cast.alpha_user).exists()
    assert not Message.objects.filter(recipient=cast.beta_user).exists()


def test_it_reminds_again_at_7_days(cast: Cast) -> None:
    expiring_in(cast, 30)
    remind_expiring(TODAY)
    assert remind_expiring(TODAY + timedelta(days=23)) == 1


def test_a_declaration_far_from_expiry_is_left_alone(cast: Cast) -> None:
    expiring_in(cast, 31)
    assert remind_expiring(TODAY) == 0
