# SPDX-License-Identifier: MPL-2.0
from collections.abc import Callable

import pytest
from django.test import Client

from civicloop.accounts.models import User
from civicloop.applications import actions as application_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.conftest import VALID_SODAI_GOMI


@pytest.fixture
def case(resident: User, sodai_gomi: Procedure) -> Case:
    """The resident's submitted bulky-waste application, and so its case in 清掃リサイクル課."""
    application, _created = application_actions.submit_from_api(
        user=resident, procedure=sodai_gomi, answers=VALID_SODAI_GOMI, idempotency_key="key-00000001"
    )
    return Case.objects.get(application=application)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def signed_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in
