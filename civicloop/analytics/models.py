# SPDX-License-Identifier: MPL-2.0
"""Rollups: small tables the dashboards read instead of scanning the event log.

All of them are derived from `core.Event` by `analytics.consumer` and can be dropped and rebuilt
(`manage.py rebuild_rollups`); only `ServiceRating` (a resident's answer), `GeneratedHistory`
(what the demo generator wrote), and `Finding` with its `ImprovementAction`s (what a process
owner did about a figure) are primary data.

Every rollup row carries the `department` code and the `classification` of the events it counts,
so the one access policy (`classification.policy.visible_q`) scopes rollups exactly as it scopes
cases: a clerk sees figures of their departments up to their clearance.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from civicloop.core.models import classification_field


class MonthlyCount(models.Model):
    """How many events of one kind (`metric`, refined by `dim`) a month saw, per procedure.

    One long table instead of one column per figure: a new figure needs no migration, and one
    upsert statement writes a whole batch. `dim` is '' when a metric has no sub-dimension (never
    NULL: NULLs are never equal, so ON CONFLICT could not find the row).
    """

    month = models.DateField(help_text="The first day of the month (Asia/Tokyo).")
    department = models.CharField(max_length=40)
    procedure = models.CharField(max_length=60)
    classification = classification_field()
    metric = models.CharField(max_length=40)
    dim = models.CharField(max_length=60, default="", blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "month", "department", "procedure", "classification", "dim"],
                name="analytics_monthly_key",
            )
        ]


class DailyCount(models.Model):
    """Cases opened and closed per day: arrivals, throughput and (cumulated) the backlog."""

    day = models.DateField()
    department = models.CharField(max_length=40)
    procedure = models.CharField(max_length=60)
    classification = classification_field()
    metric = models.CharField(max_length=20)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "day", "department", "procedure", "classification"], name="analytics_daily_key"
            )
        ]


class MonthlyHistogram(models.Model):
    """A distribution (processing days, step durations, approval waits) as counts per bucket.

    Percentiles come from the buckets (analytics.durations), so a median over years of cases reads
    a few hundred rows instead of every case.
    """

    month = models.DateField()
    department = models.CharField(max_length=40)
    procedure = models.CharField(max_length=60)
    classification = classification_field()
    metric = models.CharField(max_length=40)
    dim = models.CharField(max_length=60, default="", blank=True)
    bucket = models.IntegerField()
    count = models.BigIntegerField(default=0)
    total = models.FloatField(default=0.0, help_text="Sum of the raw values, for means.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "month", "department", "procedure", "classification", "dim", "bucket"],
                name="analytics_histogram_key",
            )
        ]


class CaseFact(models.Model):
    """What the rollups remember about one case between its events (keyed by the case's public id).

    `case.decided` does not say when the case arrived, `document.issued` does not say which
    procedure: the consumer joins them here instead of reading the event log back.
    """

    case_id = models.UUIDField(primary_key=True)
    application_id = models.UUIDField(null=True, db_index=True)
    department = models.CharField(max_length=40)
    procedure = models.CharField(max_length=60)
    classification = classification_field()
    opened_at = models.DateTimeField()
    due_date = models.DateField()
    assignee = models.CharField(max_length=40, blank=True, help_text="Public id of the clerk who claimed it.")
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, help_text="While a 補正 request is open.")
    paused_calendar_days = models.IntegerField(default=0)
    paused_business_days = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # The open cases only: backlog, workload and overdue counts read this small part.
            models.Index(
                fields=["department", "due_date"], name="analytics_open_case_idx", condition=models.Q(closed_at=None)
            )
        ]


class DraftFact(models.Model):
    """The steps one application's draft reached, so each counts once in the abandonment funnel."""

    application_id = models.UUIDField(primary_key=True)
    procedure = models.CharField(max_length=60)
    department = models.CharField(max_length=40)
    classification = classification_field()
    month = models.DateField(help_text="The month the draft was started.")
    steps = models.TextField(default="", blank=True, help_text="Space-separated step ids reached.")
    submitted = models.BooleanField(default=False)


class AppliedEvent(models.Model):
    """The id of every event already counted: a redelivered event is recognised and skipped.

    Written in the same transaction as the counts it caused, so the two never disagree.
    """

    event_id = models.UUIDField(primary_key=True)


class ServiceRating(models.Model):
    """A resident's rating of the service (1–5) once their application has its result."""

    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    rated_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="analytics_rating_score_1_to_5")
        ]


class InternalMailCount(models.Model):
    """Internal e-mails a department sent in a month, as the mail server counts them (`import_mail_counts`).

    civicloop does not see internal e-mail; where the municipality's mail server reports a monthly
    figure per department, it is imported here so the staff dashboard shows chat beside e-mail.
    Kept apart from the rollups: a rebuild of those from the events must not lose it.
    """

    month = models.DateField(help_text="The first day of the month.")
    department = models.CharField(max_length=40, help_text="The department's code.")
    messages = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True, help_text="The file it was imported from.")
    imported_at = models.DateTimeField(auto_now=True)
    classification = classification_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "department"], name="analytics_mail_count_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="analytics_mail_count_first_of_month"),
        ]


class GeneratedHistory(models.Model):
    """One run of `generate_history`: what the demo history holds (so `--if-empty` can skip)."""

    created_at = models.DateTimeField(auto_now_add=True)
    seed = models.BigIntegerField()
    start = models.DateField()
    end = models.DateField()
    events = models.BigIntegerField()
    applications = models.BigIntegerField()
    with_rows = models.BooleanField()


class Finding(models.Model):
    """A figure the process owner acted on: a bottleneck, a form step residents leave, an answer 補正s
    name, low ratings. Findings are found in the rollups on every look (analytics.improvement); a row
    is kept from the first action recorded on one, so the action and its effect outlive the finding.

    Owned like the procedure it is about: the procedure's department (the catalogue's `department`)
    at the procedure's classification, so the one access policy decides on it as on that
    department's cases.
    """

    class Kind(models.TextChoices):
        BOTTLENECK = "bottleneck", "ボトルネック"
        DROP_OFF = "drop_off", "入力の離脱"
        CORRECTION = "correction", "補正の原因"
        LOW_RATING = "low_rating", "低い評価"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    procedure = models.CharField(max_length=60)
    subject = models.CharField(
        max_length=80, blank=True, help_text="The step, answer, document or approver level; '' for the procedure."
    )
    department = models.CharField(max_length=40)
    classification = classification_field()
    created_at = models.DateTimeField(auto_now_add=True)

    staff_editable = True  # staff write actions on it (classification.policy: EDIT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "procedure", "subject"], name="analytics_finding_key"),
        ]

    # What the access policy reads (classification.policy.Protected): no resident owns a finding.
    @property
    def owner_id(self) -> int | None:
        return None

    @property
    def guest_key(self) -> str:
        return ""

    @property
    def department_code(self) -> str:
        return self.department


class ImprovementAction(models.Model):
    """What the process owner changed about a finding, and from when (「設問3の文言を修正」, 「係長の代理を追加」).

    Append-only: a wrong entry is corrected by recording another action, so the audit trail and
    the before/after of each stay as they were read.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(max_length=300)
    taken_on = models.DateField(help_text="The day the change took effect: the measure is compared either side.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    classification = classification_field()

    class Meta:
        ordering = ["-taken_on", "-recorded_at"]
