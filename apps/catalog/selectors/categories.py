"""Categories for the storefront: by URL path, children, URL paths, the filter list."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from ..models import (
    Category,
    TreeOrder,
)


@dataclass(frozen=True)
class CategoryAtPath:
    node: Category
    ancestors: list[Category]  # root first
    children: list[Category]  # in menu order


def category_by_slugs(slugs: list[str]) -> CategoryAtPath | None:
    """The category at /root/child/.../leaf, its ancestors and its children, in one query."""
    if not slugs:
        return None
    depth = len(slugs)
    leaves = Category.objects.filter(slug=slugs[-1], depth=depth - 1).values("pk")
    found = list(
        Category.objects.filter(
            Q(slug__in=slugs, depth__lt=depth) | Q(depth=depth, parent_id__in=leaves)
        ).order_by("position", "name")  # the children's menu order
    )
    by_parent = {(c.parent_id, c.slug): c for c in found if c.depth < depth}
    chain: list[Category] = []
    parent_id = None
    for slug in slugs:
        node = by_parent.get((parent_id, slug))
        if node is None:
            return None
        chain.append(node)
        parent_id = node.pk
    children = [c for c in found if c.depth == depth and c.parent_id == parent_id]
    return CategoryAtPath(node=chain[-1], ancestors=chain[:-1], children=children)


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


def categories_for_filter(limit: int = 500) -> list[tuple[int, str, int]]:
    """Every category in tree order as (id, name, depth), for a search filter menu."""
    return list(
        Category.objects.order_by(TreeOrder()).values_list("id", "name", "depth")[
            :limit
        ]
    )
