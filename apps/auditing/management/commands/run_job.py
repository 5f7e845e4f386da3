from django.core.management.base import CommandError

from apps.auditing.commands import AuditedCommand
from apps.auditing.jobs import job_enqueue, job_execute, load_all_jobs


class Command(AuditedCommand):
    help = "Run a maintenance job now (here, or queued for a worker with --queue); --list shows them."

    def add_arguments(self, parser):
        parser.add_argument("job", nargs="?")
        parser.add_argument(
            "--queue", action="store_true", help="queue it for a Celery worker"
        )
        parser.add_argument(
            "--list", action="store_true", help="list the declared jobs"
        )

    def handle(self, *args, job=None, queue=False, list=False, **options):
        jobs = load_all_jobs()
        if list or not job:
            for name, spec in sorted(jobs.items()):
                self.stdout.write(f"{name:40} {spec.description}")
            return
        if job not in jobs:
            raise CommandError(f"unknown job {job!r}; known: {', '.join(sorted(jobs))}")
        if queue:
            job_enqueue(job, trigger="command")
            self.stdout.write(f"queued {job}")
            return
        run = job_execute(job, trigger="command")
        self.stdout.write(f"{job}: {run.outcome}, {run.rows} rows, {run.detail}")
