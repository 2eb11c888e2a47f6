# SPDX-License-Identifier: MPL-2.0
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.accounts.models import Department
from civicloop.core.language import is_english
from civicloop.core.models import classification_field
from civicloop.core.text import fold


class LifeEvent(models.Model):
    """A ライフイベント (引越し, 出生, 死亡 …) that bundles procedures for one-stop service."""

    code = models.SlugField(max_length=40, unique=True)
    name_ja = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    description_ja = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_ja

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja

    @property
    def description(self) -> str:
        return self.description_en if is_english() else self.description_ja


class ProcedureQuerySet(models.QuerySet["Procedure"]):
    def published(self) -> "ProcedureQuerySet":
        return self.filter(is_active=True, current_version__isnull=False)

    def search(self, query: str) -> "ProcedureQuerySet":
        """Partial match on names, summary and keywords, folded for kana and width (core.text.fold).

        The query as one piece (「粗大 ごみ」 is 粗大ごみ), or every word of it ("bulky waste" finds
        "Bulky-waste collection", 「ごみ　ソファ」 the procedure with both)."""
        folded = fold(query)
        if not folded:
            return self
        words = Q()
        for word in {fold(w) for w in query.split()}:
            words &= Q(current_version__search_text__contains=word)
        return self.filter(Q(current_version__search_text__contains=folded) | words)


class Procedure(models.Model):
    """A 手続き. Its content lives in versions; `current_version` is what new applications use."""

    code = models.SlugField(max_length=60, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="procedures")
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="procedures")
    current_version = models.ForeignKey(
        "ProcedureVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """One frozen revision of a procedure file. An application keeps the version it was made with."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Application")
        NOTIFICATION = "notification", _("Notification")

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    checksum = models.CharField(max_length=64)
    source_path = models.CharField(max_length=300)
    definition = models.JSONField()
    name_ja = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    allows_guest = models.BooleanField(default=False)
    classification = classification_field()
    search_text = models.TextField(help_text="Folded names, summary and keywords (core.text.fold).")
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["procedure", "number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique")]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_ja

    def text(self, key: str) -> str:
        """A bilingual field of the definition ({ja, en}) in the active language."""
        value: Any = self.definition.get(key) or {}
        return str(value.get("en" if is_english() else "ja") or value.get("ja") or "")
