# SPDX-License-Identifier: MPL-2.0
"""The process-start consumer (cases.consumer) starts at the end of the log as it is when this runs.

Every case opened until now started its process in its own transaction; a new consumer starts
at position 0 (docs/relay.md) and would read the whole log once for nothing. Events still
unnumbered get positions after this one, and their cases already have their state: the consumer
leaves those alone.
"""

from typing import Any

from django.db import migrations


def start_at_the_head(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("core", "Event")
    cursor = apps.get_model("relay", "ConsumerCursor")
    head = event.objects.filter(position__isnull=False).order_by("-position").values_list("position", flat=True)
    cursor.objects.get_or_create(name="cases", defaults={"position": int(head.first() or 0)})


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_correction_answers"),
        ("relay", "0001_initial"),
        ("core", "0002_event_position"),
    ]

    operations = [migrations.RunPython(start_at_the_head, migrations.RunPython.noop)]
