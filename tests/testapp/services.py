from django.db import transaction

from .models import Widget


@transaction.atomic
def widget_lifecycle(*, name: str) -> int:
    """Insert a widget, change its colour, then delete it (soft)."""
    widget = Widget.objects.create(name=name, colour="red", secret="s3cret")
    Widget.objects.filter(pk=widget.pk).update(colour="blue")
    widget.delete()
    return widget.pk
