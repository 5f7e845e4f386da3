"""Soft delete: rows get `deleted_at` instead of disappearing, and can come back."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .dberrors import constraint_errors
from .errors import RestoreConflict


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def dead(self):
        return self.filter(deleted_at__isnull=False)

    def soft_delete(self) -> int:
        """Soft-delete every alive row of the queryset (and its soft-deletable children)."""
        with transaction.atomic():
            rows = list(self.alive().select_for_update(of=("self",)).order_by("pk"))
            now = timezone.now()
            for obj in rows:
                obj.soft_delete(at=now)
        return len(rows)

    def restore(self) -> int:
        """Restore every deleted row of the queryset; refuse the lot if one conflicts."""
        with transaction.atomic():
            rows = list(self.dead().select_for_update(of=("self",)).order_by("pk"))
            for obj in rows:
                obj.restore()
        return len(rows)

    def delete(self):
        # A queryset delete (admin bulk delete, `Model.objects.filter().delete()`) soft-deletes.
        count = self.soft_delete()
        return count, {self.model._meta.label: count}

    def hard_delete(self):
        """Really delete, setting the soft-delete trigger aside: on the owner's connection only.

        The application's role cannot set a rule aside (its rows are soft-deleted all the same);
        it purges through `services.soft_deleted_purge` after the retention.
        """
        import pgtrigger

        with pgtrigger.ignore(f"{self.model._meta.label}:soft_delete"):
            return super().delete()


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class DeletedManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=False)


AllManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(models.Model):
    """Abstract base: `objects` = alive rows, `all_objects`, `deleted_objects`.

    Subclasses list soft-deletable children in `soft_delete_children` (related names);
    they are soft-deleted and restored with the parent. Attach `soft_delete_trigger()` so a
    raw DELETE soft-deletes too, and express uniqueness with `alive_unique(...)`.
    """

    deleted_at = models.DateTimeField(
        null=True, blank=True, db_index=True, editable=False
    )

    objects = AliveManager()
    all_objects = AllManager()
    deleted_objects = DeletedManager()

    soft_delete_children: tuple[str, ...] = ()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def delete(self, using=None, keep_parents=False):
        self.soft_delete()
        return 1, {self._meta.label: 1}

    def soft_delete(self, *, at=None) -> None:
        """Mark this row (and its soft-deletable children) deleted."""
        if self.deleted_at is not None:
            return
        at = at or timezone.now()
        with transaction.atomic():
            for related_name in self.soft_delete_children:
                for child in (
                    getattr(self, related_name)(manager="objects").all().order_by("pk")
                ):
                    child.soft_delete(at=at)
            type(self).all_objects.filter(pk=self.pk, deleted_at__isnull=True).update(
                deleted_at=at
            )
            self.deleted_at = at

    def restore(self) -> None:
        """Bring this row back (with the children deleted with it); refuse a duplicate."""
        if self.deleted_at is None:
            return
        self.check_restorable()
        deleted_at = self.deleted_at
        try:
            # An alive duplicate inserted since the check: the unique index refuses.
            with constraint_errors(self._restore_conflicts()):
                type(self).all_objects.filter(pk=self.pk).update(deleted_at=None)
                self.deleted_at = None
                for related_name in self.soft_delete_children:
                    manager = getattr(self, related_name)(manager="all_objects")
                    for child in manager.filter(deleted_at=deleted_at).order_by("pk"):
                        child.restore()
        except RestoreConflict:
            self.deleted_at = deleted_at
            raise

    def _restore_conflicts(self) -> dict:
        """Each uniqueness rule of the model, by name, as the RestoreConflict it means."""
        model = type(self)

        def conflict(name: str):
            return lambda: RestoreConflict(
                f"{model._meta.verbose_name.capitalize()} {self.pk} cannot be restored:"
                f" an alive {model._meta.verbose_name} already holds the same value ({name})."
            )

        return {
            constraint.name: conflict(constraint.name)
            for constraint in model._meta.constraints
            if isinstance(constraint, models.UniqueConstraint)
        }

    def check_restorable(self) -> None:
        """Raise RestoreConflict when an alive row holds a value that must be unique."""
        from django.core.exceptions import ValidationError

        model = type(self)
        deleted_at, self.deleted_at = self.deleted_at, None  # judge it as if alive
        try:
            for constraint in model._meta.constraints:
                if isinstance(constraint, models.UniqueConstraint):
                    try:
                        constraint.validate(model, self)
                    except ValidationError as exc:
                        raise RestoreConflict(
                            f"{model._meta.verbose_name.capitalize()} cannot be restored: "
                            f"an alive {model._meta.verbose_name} already holds the same "
                            f"value ({constraint.name}). {' '.join(exc.messages)}"
                        ) from exc
        finally:
            self.deleted_at = deleted_at


def alive_unique(*fields: str, name: str, expressions=()) -> models.UniqueConstraint:
    """A uniqueness rule that holds among alive rows only."""
    if expressions:
        return models.UniqueConstraint(
            *expressions, name=name, condition=Q(deleted_at__isnull=True)
        )
    return models.UniqueConstraint(
        fields=list(fields), name=name, condition=Q(deleted_at__isnull=True)
    )
