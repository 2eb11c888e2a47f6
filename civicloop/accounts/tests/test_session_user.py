# SPDX-License-Identifier: MPL-2.0
"""request.user from the precompiled statement (accounts.session_user) answers as Django's get_user does."""

from typing import Any

import pytest
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from civicloop.accounts.models import User
from civicloop.accounts.session_user import MODEL_BACKEND, session_user

pytestmark = pytest.mark.django_db


def _request(client: Any, user: User) -> Any:
    client.force_login(user, backend=MODEL_BACKEND)
    request = RequestFactory().get("/")
    request.session = client.session
    return request


def test_the_user_is_read_as_the_orm_reads_it(client: Any, resident: User) -> None:
    user = session_user(_request(client, resident))
    assert isinstance(user, User)
    expected = User.objects.get(pk=resident.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected, field.attname), field.name
    assert user._state.adding is False and user._state.db == "default"


def test_a_deactivated_user_is_anonymous(client: Any, resident: User) -> None:
    request = _request(client, resident)
    User.objects.filter(pk=resident.pk).update(is_active=False)  # no signal: read on every request
    assert isinstance(session_user(request), AnonymousUser)


def test_a_changed_password_ends_the_session(client: Any, resident: User) -> None:
    request = _request(client, resident)
    resident.set_password("a whole new password 123")
    resident.save()
    assert isinstance(session_user(request), AnonymousUser)
    assert auth.SESSION_KEY not in request.session  # flushed, as Django's get_user does


def test_a_removed_user_is_anonymous(client: Any, resident: User) -> None:
    request = _request(client, resident)
    User.objects.filter(pk=resident.pk).delete()
    assert isinstance(session_user(request), AnonymousUser)


def test_a_signed_in_request_carries_its_user(client: Any, resident: User) -> None:
    client.force_login(resident, backend=MODEL_BACKEND)
    response = client.get("/")
    assert response.wsgi_request.user == resident
