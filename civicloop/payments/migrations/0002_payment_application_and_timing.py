# SPDX-License-Identifier: MPL-2.0
"""A payment names its application (a fee paid before submission has no case yet) and its timing."""

import django.db.models.deletion
from django.db import migrations, models


def application_from_case(apps, schema_editor):  # type: ignore[no-untyped-def]
    Payment = apps.get_model("payments", "Payment")
    for payment in Payment.objects.select_related("case").iterator():
        payment.application_id = payment.case.application_id
        payment.save(update_fields=["application"])


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_awaiting_payment_status"),
        ("cases", "0008_inbox_arrival_and_step_indexes"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="application",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="applications.application",
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="timing",
            field=models.CharField(default="after_approval", max_length=20),
        ),
        migrations.RunPython(application_from_case, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="application",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="applications.application",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="cases.case",
            ),
        ),
    ]
