from celery import shared_task

from apps.auditing.tasks_base import AuditedTask

from .services import widget_lifecycle


@shared_task(name="testapp.widget_lifecycle_task", base=AuditedTask)
def widget_lifecycle_task(*, name: str, actor_id: int | None = None) -> int:
    """Run the widget lifecycle as a task (the actor is passed explicitly)."""
    return widget_lifecycle(name=name)
