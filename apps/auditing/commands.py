"""Management commands whose changes are recorded with source `command`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from .context import audit_context, resolver_for_user_id


class AuditedCommand(BaseCommand):
    """Base for the shop's commands: runs `handle` inside an audit context."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--actor-id",
            type=int,
            default=None,
            help="user id recorded as the actor of the changes",
        )
        self._command_name = subcommand
        return parser

    def execute(self, *args, **options):
        actor_id = options.get("actor_id")
        with audit_context(
            source="command",
            extra={
                "command": getattr(
                    self, "_command_name", self.__module__.rsplit(".", 1)[-1]
                )
            },
            actor_resolver=resolver_for_user_id(actor_id),
        ):
            return super().execute(*args, **options)
