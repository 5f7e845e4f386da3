"""Celery application: Redis broker, schedules in the database (django-celery-beat)."""

import os

from celery import Celery

# Never development settings by accident: a worker started without DJANGO_SETTINGS_MODULE
# runs with production settings, which refuse to start without their required values.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

# Every task runs inside an audit context (source `task`), whichever app declares it.
app = Celery("shop", task_cls="apps.auditing.tasks_base:AuditedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
