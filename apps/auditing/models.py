"""The audit trail, maintenance job runs, and the soft-delete base other apps build on."""

from django.db import models

from .softdelete import SoftDeleteModel, alive_unique  # noqa: F401  (re-exported)
from .vocabulary import Action, ActorKind, Source


class AuditEventFields(models.Model):
    """The columns of an audit event (the table and the view are created by SQL)."""

    Action = Action
    Source = Source
    ActorKind = ActorKind

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField()
    txid = models.BigIntegerField()
    # NULL, not "": application events have no table; the table is defined in SQL.
    table_name = models.TextField(null=True, blank=True)  # noqa: DJ001
    row_pk = models.TextField(null=True, blank=True)  # noqa: DJ001
    action = models.TextField()
    changes = models.JSONField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_kind = models.TextField(choices=ActorKind.choices)
    source = models.TextField(choices=Source.choices)
    request_id = models.TextField(null=True, blank=True)  # noqa: DJ001
    ip = models.GenericIPAddressField(null=True, blank=True)
    db_role = models.TextField()
    context = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-id"]

    def __str__(self):
        target = (
            f"{self.table_name} row {self.row_pk}" if self.table_name else "application"
        )
        actor = (
            f"{self.actor_kind or 'user'} {self.actor_id}"
            if self.actor_id
            else self.actor_kind or "nobody"
        )
        return f"{self.action.replace('_', ' ').capitalize()} of {target} by {actor} via {self.source}"


class AuditEvent(AuditEventFields):
    """One row change or application event in the trail (`auditing_auditevent`).

    Range-partitioned by month on `occurred_at` and indexed for the reads the admin and the
    selectors make. Row changes reach it from the inbox the capture trigger writes to, moved
    by the job `auditing.inbox_drain` (`audit_backlog()` tells how many wait and since when);
    application events are written here directly by `audit_record`. Created by SQL in the
    first migration (Django cannot declare partitioning), hence `managed = False`.
    """

    class Meta(AuditEventFields.Meta):
        managed = False
        db_table = "auditing_auditevent"
        verbose_name = "audit event"


class AuditEventWithPending(AuditEventFields):
    """The trail plus the events still waiting in the inbox (view `auditing_auditevent_all`).

    For the reads that must be complete the moment a change commits (an export of a
    person's data). It expands waiting captures on every read, so it slows down with the
    backlog: everything else reads `AuditEvent`.
    """

    class Meta(AuditEventFields.Meta):
        managed = False
        db_table = "auditing_auditevent_all"
        verbose_name = "audit event (with pending)"


class QuarantinedCapture(models.Model):
    """A capture the drain could not move (`auditing_auditevent_quarantine`,
    sql/quarantine.sql): the inbox row as it was, and why the trail refused it.

    Written by the drain only and kept for good (append-only); `audit_quarantine_retry`
    moves its events into the trail once the cause is repaired, and records that in
    `auditing_auditevent_quarantine_moved` (sql/quarantine_retry.sql). Created by SQL, hence
    `managed = False`.
    """

    id = models.BigAutoField(primary_key=True)
    capture = models.JSONField()
    sqlstate = models.TextField()
    error = models.TextField()
    quarantined_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "auditing_auditevent_quarantine"
        ordering = ["-id"]
        verbose_name = "quarantined capture"
        permissions = [
            (
                "retry_quarantinedcapture",
                "Can move a quarantined capture into the trail again",
            )
        ]

    def __str__(self):
        return f"Quarantined capture {self.pk} (SQLSTATE {self.sqlstate})"


class JobRun(models.Model):
    """One run of a maintenance job: what it touched and how it ended."""

    class Outcome(models.TextChoices):
        RUNNING = "running"
        SUCCESS = "success"
        FAILED = "failed"
        SKIPPED = "skipped"

    job = models.CharField(max_length=100, db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    trigger = models.CharField(
        max_length=20, default="schedule"
    )  # schedule / manual / command
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.BigIntegerField(default=0)
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    error = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["job", "-started_at"], name="auditing_jobrun_job_started"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows__gte=0), name="auditing_jobrun_rows_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    outcome__in=["running", "success", "failed", "skipped"]
                ),
                name="auditing_jobrun_outcome_valid",
            ),
        ]

    def __str__(self):
        return f"{self.job}: {self.outcome} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class ScheduleDeclaration(models.Model):
    """The schedule the code last declared for a job, to tell staff edits from code changes."""

    name = models.CharField(max_length=200, unique=True)
    signature = models.TextField()

    def __str__(self):
        return self.name
