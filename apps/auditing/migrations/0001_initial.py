"""The auditing kernel: trail, inbox, capture function, job runs (plain SQL and PL/pgSQL)."""

from pathlib import Path

from django.db import migrations, models

SQL = Path(__file__).resolve().parent.parent / "sql"

ENSURE_PARTITIONS = """
SELECT auditing_partition_ensure((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => m))::date)
FROM generate_series(0, 3) AS m
"""


def audit_event_fields():
    """The columns of the trail and of the view that adds the inbox (unmanaged: SQL creates them)."""
    return [
        ('id', models.BigAutoField(primary_key=True, serialize=False)),
        ('occurred_at', models.DateTimeField()),
        ('txid', models.BigIntegerField()),
        ('table_name', models.TextField(blank=True, null=True)),
        ('row_pk', models.TextField(blank=True, null=True)),
        ('action', models.TextField()),
        ('changes', models.JSONField(blank=True, null=True)),
        ('actor_id', models.BigIntegerField(blank=True, null=True)),
        ('actor_kind', models.TextField(choices=[('customer', 'Customer'), ('staff', 'Staff'), ('system', 'System'), ('anonymous', 'Anonymous')])),
        ('source', models.TextField(choices=[('web', 'Web'), ('admin', 'Admin'), ('task', 'Task'), ('command', 'Command'), ('sql', 'Sql')])),
        ('request_id', models.TextField(blank=True, null=True)),
        ('ip', models.GenericIPAddressField(blank=True, null=True)),
        ('db_role', models.TextField()),
        ('context', models.JSONField(blank=True, null=True)),
    ]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        # The live SQL of the kernel, in three files read once here (a later change to the
        # kernel's SQL gets a migration of its own). Reversible to zero: reverse.sql drops it.
        migrations.RunSQL(
            sql=[(SQL / "trail.sql").read_text(), (SQL / "inbox.sql").read_text()],
            reverse_sql=(SQL / "reverse.sql").read_text(),
        ),
        migrations.RunSQL(sql=ENSURE_PARTITIONS, reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name='AuditEvent',
            fields=audit_event_fields(),
            options={
                'verbose_name': 'audit event',
                'db_table': 'auditing_auditevent',
                'ordering': ['-id'],
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='AuditEventWithPending',
            fields=audit_event_fields(),
            options={
                'verbose_name': 'audit event (with pending)',
                'db_table': 'auditing_auditevent_all',
                'ordering': ['-id'],
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='ScheduleDeclaration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('signature', models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name='JobRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(db_index=True, max_length=100)),
                ('task_id', models.CharField(blank=True, max_length=64)),
                ('trigger', models.CharField(default='schedule', max_length=20)),
                ('started_at', models.DateTimeField(db_index=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('rows', models.BigIntegerField(default=0)),
                ('outcome', models.CharField(choices=[('running', 'Running'), ('success', 'Success'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='running', max_length=10)),
                ('error', models.TextField(blank=True)),
                ('detail', models.JSONField(blank=True, default=dict)),
            ],
            options={
                'ordering': ['-started_at', '-id'],
                'indexes': [models.Index(fields=['job', '-started_at'], name='auditing_jobrun_job_started')],
                'constraints': [models.CheckConstraint(condition=models.Q(('rows__gte', 0)), name='auditing_jobrun_rows_gte_0'), models.CheckConstraint(condition=models.Q(('outcome__in', ['running', 'success', 'failed', 'skipped'])), name='auditing_jobrun_outcome_valid')],
            },
        ),
    ]
