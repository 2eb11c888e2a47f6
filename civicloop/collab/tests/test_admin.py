# SPDX-License-Identifier: MPL-2.0
"""The chat in the Django admin: only what the rules let the person read, never a message's text."""

import pytest
from django.urls import reverse

from civicloop.accounts.models import User
from civicloop.collab.models import Channel
from civicloop.collab.tests.conftest import post, signed_in

pytestmark = pytest.mark.django_db


def _admin(user: User) -> User:
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def test_an_administrator_outside_the_department_sees_neither_the_channel_nor_its_messages(
    department_channel: Channel, seiso_clerk: User, outsider: User
) -> None:
    message = post(department_channel, seiso_clerk, "管理画面に出ない本文")
    client = signed_in(_admin(outsider))

    assert str(message.public_id) not in client.get("/admin/collab/message/").content.decode()
    assert client.get(reverse("admin:collab_message_change", args=[message.pk])).status_code == 302  # "does not exist"
    assert client.get(reverse("admin:collab_channel_change", args=[department_channel.pk])).status_code == 302


def test_a_member_sees_the_message_in_the_admin_but_not_its_text(
    department_channel: Channel, seiso_clerk: User
) -> None:
    message = post(department_channel, seiso_clerk, "管理画面に出ない本文")
    client = signed_in(_admin(seiso_clerk))

    listing = client.get("/admin/collab/message/").content.decode()
    page = client.get(reverse("admin:collab_message_change", args=[message.pk]))

    assert str(message.public_id) in listing and page.status_code == 200
    assert "管理画面に出ない本文" not in listing + page.content.decode()
