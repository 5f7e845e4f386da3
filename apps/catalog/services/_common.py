"""What the catalog's services share: the tree lock, free slugs, the history actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.utils.text import slugify

from apps.auditing.dberrors import constraint_errors

from ..errors import SlugUnavailable

if TYPE_CHECKING:
    from apps.accounts.models import User

TREE_LOCK = "catalog_category_tree"
MAX_SLUG_TRIES = 50

SLUG_ERRORS = {
    "catalog_category_slug_unique_in_parent": SlugUnavailable,
    "catalog_category_root_slug_unique": SlugUnavailable,
    "catalog_product_slug_unique_alive": SlugUnavailable,
}


def lock(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def by(obj, actor: User | None):
    """Name `actor` as the author of the staff-history row the next save of `obj` writes."""
    if actor is not None:
        obj._history_user = actor
    return obj


def _slug_candidates(name: str, max_length: int):
    base = slugify(name)[: max_length - 4].strip("-") or "item"
    yield base
    for n in range(2, MAX_SLUG_TRIES + 2):
        yield f"{base}-{n}"


def save_with_free_slug(obj, name: str, taken) -> None:
    """Give `obj` the first free readable slug (`blue-shirt`, `blue-shirt-2`, ...) and save it.

    Two writers may pick the same candidate at once: the alive-unique index refuses the
    second, which then tries the next candidate. No lock, no error to the user.
    """
    max_length = type(obj)._meta.get_field("slug").max_length
    for candidate in _slug_candidates(name, max_length):
        if taken(candidate):
            continue
        obj.slug = candidate
        try:
            with constraint_errors(SLUG_ERRORS):
                obj.save()
            return
        except SlugUnavailable:
            continue  # taken a moment ago by a concurrent writer
    raise SlugUnavailable()


def changed_fields(obj, fields: dict, allowed: tuple[str, ...]) -> list[str]:
    """Set `fields` on `obj`; the names whose value really changes (others are refused)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"not changeable here: {', '.join(sorted(unknown))}")
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, fields[name])
    return changed
