"""Categories for the storefront: by URL path, children, URL paths, the filter list."""

from __future__ import annotations

from ..models import (
    Category,
    TreeOrder,
)


def category_by_slugs(slugs: list[str]) -> tuple[Category, list[Category]] | None:
    """The category at /root/child/.../leaf and its ancestors (root first), in one query."""
    if not slugs:
        return None
    candidates = Category.objects.filter(slug__in=slugs, depth__lt=len(slugs))
    by_parent = {(c.parent_id, c.slug): c for c in candidates}
    chain: list[Category] = []
    parent_id = None
    for slug in slugs:
        node = by_parent.get((parent_id, slug))
        if node is None:
            return None
        chain.append(node)
        parent_id = node.pk
    return chain[-1], chain[:-1]


def category_children(category: Category) -> list[Category]:
    return list(Category.objects.filter(parent=category).order_by("position", "name"))


def category_url_paths(categories) -> dict[int, str]:
    """`{category id: "clothing/shirts"}` for these categories, in one query for ancestors."""
    categories = list(categories)
    ancestor_ids = {pk for c in categories for pk in c.ancestor_ids}
    slugs = {c.pk: c.slug for c in categories}
    if ancestor_ids - slugs.keys():
        slugs.update(
            Category.objects.filter(pk__in=ancestor_ids - slugs.keys()).values_list(
                "pk", "slug"
            )
        )
    return {
        c.pk: "/".join(slugs[pk] for pk in [*c.ancestor_ids, c.pk] if pk in slugs)
        for c in categories
    }


def categories_for_filter(limit: int = 500) -> list[Category]:
    """Every category in tree order, for a search filter menu."""
    return list(
        Category.objects.order_by(TreeOrder()).only("id", "name", "depth")[:limit]
    )
