# SPDX-License-Identifier: MPL-2.0
"""Channel adapters: one interface (`Adapter.send`), one class per way out, chosen by settings.

`settings.NOTIFICATIONS_ADAPTERS` maps a channel name to the dotted path of its adapter class;
the defaults are Django's email backend, fakes for SMS and LINE, and signed webhooks.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from civicloop.notifications.channels.base import Adapter, DeliveryError, PermanentFailure

__all__ = ["Adapter", "DeliveryError", "PermanentFailure", "adapter_for"]


def adapter_for(channel: str) -> Adapter:
    """A fresh adapter for `channel`; KeyError when no adapter is configured for it."""
    adapter: Adapter = import_string(settings.NOTIFICATIONS_ADAPTERS[channel])()
    return adapter
