from apps.auditing.commands import AuditedCommand
from tests.testapp.services import widget_lifecycle


class Command(AuditedCommand):
    help = "Insert, update and delete a widget (exercises the command audit context)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        self.stdout.write(str(widget_lifecycle(name=name)))
