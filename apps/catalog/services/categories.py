"""The category tree: create, edit, move (a whole subtree in one statement), delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from ..cache import product_cache_invalidate
from ..errors import CategoryMoveInvalid, CategoryNotEmpty
from ..models import Category, Product
from ._common import TREE_LOCK, by, changed_fields, lock, save_with_free_slug

if TYPE_CHECKING:
    from apps.accounts.models import User

CATEGORY_FIELDS = (
    "name",
    "position",
    "description",
    "seo_title",
    "seo_description",
    "is_featured",
)
_KEEP: Any = object()


@transaction.atomic
def category_create(
    *,
    name: str,
    parent: Category | None = None,
    position: int = 0,
    actor: User | None = None,
    **fields: Any,
) -> Category:
    """Add a category under `parent` (or at the root)."""
    lock(TREE_LOCK)
    category = Category(name=name, parent=parent, position=position, path="/", **fields)
    siblings = Category.objects.filter(parent=parent)
    save_with_free_slug(
        by(category, actor),
        name,
        lambda s: siblings.filter(slug=s).exclude(pk=category.pk).exists(),
    )
    category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.depth = parent.depth + 1 if parent else 0
    Category.all_objects.filter(pk=category.pk).update(
        path=category.path, depth=category.depth
    )
    product_cache_invalidate()
    return category


@transaction.atomic
def category_update(
    *,
    category: Category,
    parent: Category | None = _KEEP,
    actor: User | None = None,
    **fields: Any,
) -> Category:
    """Change a category's own fields; a new `parent` moves it with its subtree."""
    lock(TREE_LOCK)
    current = Category.all_objects.get(pk=category.pk)
    changed = changed_fields(current, fields, CATEGORY_FIELDS)
    if parent is not _KEEP and current.parent_id != (parent.pk if parent else None):
        moved = category_move(
            category=current, parent=parent, position=current.position, actor=actor
        )
        for name in ("path", "depth", "slug", "parent_id"):
            setattr(current, name, getattr(moved, name))
        changed.append(
            "parent"
        )  # the value is stored already: records the move in history
    if changed:
        by(current, actor).save(update_fields=changed)
        product_cache_invalidate()
    return current


@transaction.atomic
def category_move(
    *,
    category: Category,
    parent: Category | None,
    position: int | None = None,
    actor: User | None = None,
) -> Category:
    """Move a category and its whole subtree under `parent` in one statement."""
    lock(TREE_LOCK)  # one tree writer at a time: concurrent moves cannot make a cycle
    category = Category.all_objects.get(pk=category.pk)
    parent = Category.all_objects.get(pk=parent.pk) if parent else None
    if parent is not None and parent.path.startswith(category.path):
        raise CategoryMoveInvalid()
    old_prefix = category.path
    new_prefix = f"{parent.path if parent else '/'}{category.pk}/"
    delta = (parent.depth + 1 if parent else 0) - category.depth
    if (
        Category.objects.filter(parent=parent, slug=category.slug)
        .exclude(pk=category.pk)
        .exists()
    ):
        save_with_free_slug(
            by(category, actor),
            category.name,
            lambda s: Category.objects.filter(parent=parent, slug=s).exists(),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_category SET path = %s || substr(path, %s), depth = depth + %s"
            " WHERE path LIKE %s",
            [new_prefix, len(old_prefix) + 1, delta, old_prefix + "%"],
        )
    Category.all_objects.filter(pk=category.pk).update(
        parent=parent, position=category.position if position is None else position
    )
    category.refresh_from_db()
    product_cache_invalidate()
    return category


@transaction.atomic
def category_delete(*, category: Category, actor: User | None = None) -> None:
    """Soft-delete an empty category (no alive subcategory, no alive product)."""
    lock(TREE_LOCK)
    if (
        Category.objects.filter(parent=category).exists()
        or Product.objects.filter(category=category).exists()
    ):
        raise CategoryNotEmpty()
    category.soft_delete()
    product_cache_invalidate()


@transaction.atomic
def category_restore(*, category: Category, actor: User | None = None) -> None:
    """Bring a soft-deleted category back; listings follow."""
    category.restore()
    product_cache_invalidate()


def category_subtree_ids(category: Category) -> list[int]:
    return list(
        Category.objects.filter(path__startswith=category.path).values_list(
            "pk", flat=True
        )
    )
