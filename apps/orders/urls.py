from django.urls import path
from django.views.generic import RedirectView

from .views import cart

app_name = "orders"

urlpatterns = [
    path("cart/", cart.cart_page, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/line/<str:variant>/", cart.line_set, name="cart-line"),
    path("cart/line/<str:variant>/remove/", cart.line_remove, name="cart-remove"),
    # Placeholder until checkout exists: back to the cart.
    path(
        "checkout/", RedirectView.as_view(pattern_name="orders:cart"), name="checkout"
    ),
]
