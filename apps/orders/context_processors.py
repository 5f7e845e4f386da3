import functools

from .cart import cart_count, cart_key_for
from .errors import CartUnavailable


def cart(request):
    """`cart_count`: units in the visitor's cart, read from Redis only when a template
    shows it; None when Redis does not answer (the header then shows no count)."""

    @functools.cache
    def count() -> int | None:
        if not hasattr(request, "session"):
            return None
        try:
            return cart_count(cart_key_for(request))
        except CartUnavailable:
            return None

    return {"cart_count": count}
