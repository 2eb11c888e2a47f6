# SPDX-License-Identifier: MPL-2.0
import uuid
from typing import Any

from django.db import models
from django.utils.translation import pgettext_lazy


class Classification(models.TextChoices):
    """The three tiers of the source article (DOMAIN.md, "Data classification")."""

    OFFICIAL = "OFFICIAL", "OFFICIAL"
    SECRET = "SECRET", "SECRET"
    TOP_SECRET = "TOP_SECRET", "TOP SECRET"


# The tiers' order, lowest first: clearance, device ceilings and raises compare tiers by it.
TIER_RANK = {Classification.OFFICIAL: 0, Classification.SECRET: 1, Classification.TOP_SECRET: 2}


def tier_rank(tier: str) -> int:
    """The tier's place in TIER_RANK: a higher number is more sensitive."""
    return TIER_RANK[Classification(tier)]


# What people read: 一般／秘／極秘 in Japanese. The choices above keep the English codes as labels so
# migrations and the admin's filters do not change with the language.
TIER_NAMES = {
    Classification.OFFICIAL: pgettext_lazy("classification tier", "OFFICIAL"),
    Classification.SECRET: pgettext_lazy("classification tier", "SECRET"),
    Classification.TOP_SECRET: pgettext_lazy("classification tier", "TOP SECRET"),
}


def tier_name(tier: str) -> str:
    """The tier's name in the active language (staff pages, charts, exports)."""
    return str(TIER_NAMES[Classification(tier)])


def classification_field() -> "models.CharField[str, str]":
    # Not indexed: three values, so no read is selective on the tier alone (the policy's filter
    # goes with a department, an owner or a case), and every insert would keep two more indexes.
    return models.CharField(max_length=16, choices=Classification.choices, default=Classification.OFFICIAL)


class Event(models.Model):
    """One CloudEvents 1.0 event, written in the same transaction as the change (the outbox)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=200)
    type = models.CharField(max_length=200, db_index=True)
    subject = models.CharField(max_length=200, blank=True)
    time = models.DateTimeField(db_index=True)
    data = models.JSONField(default=dict)
    classification = classification_field()
    # The relay's log order (docs/relay.md). Null until the relay takes the committed event in;
    # it is assigned then, not at insert, because a transaction that began earlier can commit
    # later: numbers drawn at insert would let a reader step past an event not yet visible.
    position = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    relayed_at = models.DateTimeField(null=True, blank=True, help_text="When the relay gave it a position.")

    class Meta:
        ordering = ["time", "id"]
        indexes = [
            # Only the few events still waiting for a position: stays small however long the log grows.
            models.Index(
                fields=["time", "id"], name="event_unsequenced_idx", condition=models.Q(position__isnull=True)
            ),
            # A case page's history: the events of one case and its application, in time order.
            models.Index(fields=["subject", "time"], name="event_subject_idx"),
        ]

    def as_cloudevent(self) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "datacontenttype": "application/json",
            "classification": self.classification,
            "data": self.data,
        }


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    """An append-only, hash-chained record of who did what to which object."""

    seq = models.BigAutoField(primary_key=True)
    time = models.DateTimeField()
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100)
    classification = classification_field()
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # HMAC-SHA256 of the hash under a key the database does not hold (core.audit): recomputing the
    # hashes after a rewrite is not enough to pass verification without it. Empty on entries written
    # before the key existed, until `seal_audit_chain` seals them.
    key_id = models.CharField(max_length=40, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        # A constraint rather than unique=True: the same index without Django's second,
        # varchar_pattern_ops copy for LIKE, which no read of a hash uses.
        constraints = [models.UniqueConstraint(fields=["hash"], name="core_auditentry_hash_key")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only")


class PeriodicRun(models.Model):
    """When a periodic background job last ran, for the whole site (`core.periodic.claim`): one row per job."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
