# SPDX-License-Identifier: MPL-2.0
"""A refund says how the money went back (the provider, cash at the counter, a bank transfer) and,
when the municipality paid it back itself, its reference; only an online refund has a provider id."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0002_payment_application_and_timing'),
    ]

    operations = [
        migrations.AddField(
            model_name='refund',
            name='method',
            field=models.CharField(choices=[('provider', 'Through the payment provider'), ('cash', 'In cash at the counter'), ('transfer', 'By bank transfer')], default='provider', max_length=10),
        ),
        migrations.AddField(
            model_name='refund',
            name='reference',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name='refund',
            name='provider_refund_id',
            field=models.CharField(blank=True, max_length=100, null=True, unique=True),
        ),
    ]
