# SPDX-License-Identifier: MPL-2.0
"""What came in from another channel's export, so a re-import creates nothing twice.

`ImportedRecord` is unique per (source, external id): the row the other system numbered (ぴったり
サービスの申請番号, LoGoフォームの回答ID) becomes one application, once, whichever file or run
brings it again. `ImportRun` keeps each run's report (every row's fate) for the clerk and the audit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """The channels an export comes from; each is also the application's `channel`."""

    PITTARI = "pittari", _("Mynaportal Pittari Service")
    LOGOFORM = "logoform", _("LoGo Form")


class ImportRun(models.Model):
    source = models.CharField(max_length=20, choices=Source.choices)
    mapping = models.CharField(max_length=100)  # the mapping file's name in procedures/_imports/
    input_sha256 = models.CharField(max_length=64)
    dry_run = models.BooleanField()
    started_by = models.CharField(max_length=200)  # an actor label, as in the audit log
    started_at = models.DateTimeField(auto_now_add=True)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"row": 2, "external_id": "…", "fate": "imported|duplicate|rejected|would_import", "receipt_number": …,
    #   "errors": {field: message}}]: ids, numbers and messages only, never an answer.
    report = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]


class ImportedRecord(models.Model):
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = models.CharField(max_length=100)
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="imported_from"
    )
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="intake_import_once")]
