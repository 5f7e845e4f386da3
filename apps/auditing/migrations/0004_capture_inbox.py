"""Capture row changes into an index-free inbox; a drain job moves them into the trail.

The trigger's statement then pays for one plain heap insert per row instead of partition
routing, four indexes and a jsonb diff; readers use the view `auditing_auditevent_all`
(trail + inbox), so events are visible at once. Reversing drains the inbox into the trail
and puts back the capture function of 0003.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("auditing", "0003_capture_plan_stable")]

    operations = [
        migrations.RunSQL(
            sql=(SQL / "capture_inbox.sql").read_text(),
            reverse_sql=[
                (SQL / "capture_inbox_reverse.sql").read_text(),
                (SQL / "capture.sql").read_text(),
            ],
        ),
        # The model reads the view; the table stays unmanaged, so this changes state only.
        migrations.AlterModelTable(name="auditevent", table="auditing_auditevent_all"),
    ]
