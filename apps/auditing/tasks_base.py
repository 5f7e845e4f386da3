"""Celery task base class: every change a task makes is recorded with source `task`."""

from __future__ import annotations

from celery import Task

from .context import audit_context, current, resolver_for_user_id

ACTOR_HEADER = "audit_actor_id"


class AuditedTask(Task):
    """Runs the task body inside an audit context (source task, task name and id).

    The actor is explicit: an `actor_id=` keyword argument, or else the actor of the code
    that queued the task (carried in a message header). With neither, the actor is `system`.
    """

    def apply_async(
        self,
        args=None,
        kwargs=None,
        task_id=None,
        producer=None,
        link=None,
        link_error=None,
        shadow=None,
        **options,
    ):
        ctx = current()
        if ctx is not None:
            ctx.resolve()
            if ctx.actor_id is not None:
                headers = dict(options.pop("headers", None) or {})
                headers.setdefault(ACTOR_HEADER, ctx.actor_id)
                options["headers"] = headers
        return super().apply_async(
            args, kwargs, task_id, producer, link, link_error, shadow, **options
        )

    def __call__(self, *args, **kwargs):
        actor_id = kwargs.get("actor_id")
        if actor_id is None:
            actor_id = getattr(self.request, ACTOR_HEADER, None)
            if actor_id is None:
                actor_id = (getattr(self.request, "headers", None) or {}).get(
                    ACTOR_HEADER
                )
        with audit_context(
            source="task",
            extra={"task": self.name, "task_id": self.request.id},
            actor_resolver=resolver_for_user_id(
                int(actor_id) if actor_id is not None else None
            ),
        ):
            return super().__call__(*args, **kwargs)
