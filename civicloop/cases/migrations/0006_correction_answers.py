# SPDX-License-Identifier: MPL-2.0
import uuid

from django.db import migrations, models

import civicloop.classification.fields


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """A public id each (an envelope is bound to it) and the case's label for existing requests."""
    CorrectionRequest = apps.get_model("cases", "CorrectionRequest")
    for request in CorrectionRequest.objects.select_related("case"):
        request.public_id = uuid.uuid4()
        request.classification = request.case.classification
        request.save(update_fields=["public_id", "classification"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_inbox_and_history_indexes")]

    operations = [
        migrations.AddField(
            model_name="correctionrequest", name="public_id", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.AddField(
            model_name="correctionrequest",
            name="classification",
            field=models.CharField(
                choices=[("OFFICIAL", "OFFICIAL"), ("SECRET", "SECRET"), ("TOP_SECRET", "TOP SECRET")],
                db_index=True,
                default="OFFICIAL",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="correctionrequest",
            name="answers_before",
            field=civicloop.classification.fields.ClassifiedJSONField(default=dict),
        ),
        migrations.AddField(
            model_name="correctionrequest",
            name="answers_after",
            field=civicloop.classification.fields.ClassifiedJSONField(default=dict),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="correctionrequest",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
