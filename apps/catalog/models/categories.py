from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import F, Func, Q

from apps.auditing.softdelete import SoftDeleteModel, alive_unique
from apps.auditing.triggers import audited, soft_delete_trigger


class TreeOrder(Func):
    """Tree order: the ids along a path compared as numbers.

    As text, "/10/" sorts before "/9/"; as an array of integers, a parent comes before its
    children and siblings follow their ids, however many digits those have.
    """

    template = "string_to_array(btrim(%(expressions)s, '/'), '/')::integer[]"
    output_field = ArrayField(models.IntegerField())

    def __init__(self, path: str = "path", **extra):
        super().__init__(F(path), **extra)


class Category(SoftDeleteModel):
    """A node of the category tree, stored as a materialized path of ids ("/1/5/12/").

    `path` and `depth` are written only by the services (under one advisory lock), so a
    subtree moves with one UPDATE and a subtree query is one indexed prefix match.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, allow_unicode=False)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=400, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    position = models.PositiveIntegerField(
        default=0, help_text="Order among siblings (smaller first)."
    )
    description = models.TextField(blank=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)
    is_featured = models.BooleanField(default=False)

    class Meta(SoftDeleteModel.Meta):
        verbose_name_plural = "categories"
        ordering = [TreeOrder()]
        constraints = [
            alive_unique(
                "parent", "slug", name="catalog_category_slug_unique_in_parent"
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(parent__isnull=True, deleted_at__isnull=True),
                name="catalog_category_root_slug_unique",
            ),
            models.CheckConstraint(
                condition=Q(path__regex=r"^(/[0-9]+)*/$"),
                name="catalog_category_path_shape",
            ),
        ]
        indexes = [
            models.Index(
                OpClass("path", name="text_pattern_ops"),
                name="catalog_category_path_prefix",
            ),
            models.Index(
                fields=["parent", "position"], name="catalog_category_siblings"
            ),
        ]
        triggers = [*audited(), *soft_delete_trigger()]

    def __str__(self):
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
