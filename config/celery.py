"""Celery application: Redis broker, schedules in the database (django-celery-beat)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# Every task runs inside an audit context (source `task`), whichever app declares it.
app = Celery("shop", task_cls="apps.auditing.tasks_base:AuditedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
