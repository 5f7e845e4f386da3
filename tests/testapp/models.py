"""Models that exercise the auditing kernel in tests (installed by the test settings only)."""

from django.db import models

from apps.auditing.history import track_history
from apps.auditing.softdelete import SoftDeleteModel, alive_unique
from apps.auditing.triggers import audited, soft_delete_trigger


class Widget(SoftDeleteModel):
    name = models.CharField(max_length=100)
    colour = models.CharField(max_length=30, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    secret = models.CharField(max_length=100, blank=True)

    soft_delete_children = ("parts",)

    class Meta(SoftDeleteModel.Meta):
        constraints = [alive_unique("name", name="testapp_widget_name_unique_alive")]
        triggers = [*audited(exclude=["secret"]), *soft_delete_trigger()]

    def __str__(self):
        return self.name


class Part(SoftDeleteModel):
    widget = models.ForeignKey(Widget, on_delete=models.PROTECT, related_name="parts")
    label = models.CharField(max_length=100)

    class Meta(SoftDeleteModel.Meta):
        triggers = [*audited(), *soft_delete_trigger()]


class Plain(models.Model):
    """A table without the audit trigger (benchmarks' and tests' control)."""

    value = models.IntegerField(default=0)

    def __str__(self):
        return str(self.value)


track_history(Widget)
