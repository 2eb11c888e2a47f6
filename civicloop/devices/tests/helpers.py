# SPDX-License-Identifier: MPL-2.0
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from civicloop.devices.models import Device
from civicloop.devices.sessions import SESSION_KEY, set_device_cookie


def give_device_cookie(client: Client, device: Device) -> None:
    """The signed cookie the browser gets when the device is registered or linked in it."""
    response = HttpResponse()
    set_device_cookie(response, device)
    client.cookies[settings.DEVICE_COOKIE_NAME] = response.cookies[settings.DEVICE_COOKIE_NAME].value


def bind(client: Client, device: Device) -> Client:
    """As if `client` had signed in on `device`: the cookie, and the session bound to it."""
    give_device_cookie(client, device)
    session = client.session
    session[SESSION_KEY] = str(device.public_id)
    session.save()
    return client
