# SPDX-License-Identifier: MPL-2.0
"""The receipt-notice consumer starts at the end of the log as it is when this runs.

Until now the receipt notice was queued inside each submission's transaction, so every event
already numbered has its notice. A new consumer starts at position 0 (docs/relay.md); without
this checkpoint it would read the whole log once, and queue a notice for submissions made before
notices existed. Events still unnumbered get positions after this one: the consumer reads them,
and their notices, queued in-process under the same de-duplication key, are not queued again.
"""

from typing import Any

from django.db import migrations


def start_at_the_head(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("core", "Event")
    cursor = apps.get_model("relay", "ConsumerCursor")
    head = event.objects.filter(position__isnull=False).order_by("-position").values_list("position", flat=True)
    cursor.objects.get_or_create(name="notifications", defaults={"position": int(head.first() or 0)})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("relay", "0001_initial"),
        ("core", "0002_event_position"),
    ]

    operations = [migrations.RunPython(start_at_the_head, migrations.RunPython.noop)]
