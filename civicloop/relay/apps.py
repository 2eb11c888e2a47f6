# SPDX-License-Identifier: MPL-2.0
from django.apps import AppConfig


class RelayConfig(AppConfig):
    name = "civicloop.relay"
    verbose_name = "Event relay"

    def ready(self) -> None:
        from civicloop.core import events

        # After each commit that recorded events, ring the relay's bell (Redis). Best effort: the
        # relay polls the outbox anyway, so a failed publish delays delivery and loses nothing.
        events.after_commit(_ring)


def _ring() -> None:
    from civicloop.relay.wakeup import ring_after_commit

    ring_after_commit()
