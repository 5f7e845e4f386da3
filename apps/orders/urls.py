from django.urls import path

from .views import account, cart, checkout

app_name = "orders"

urlpatterns = [
    path("cart/", cart.cart_page, name="cart"),
    path("cart/add/", cart.cart_add, name="cart-add"),
    path("cart/line/<str:variant>/", cart.line_set, name="cart-line"),
    path("cart/line/<str:variant>/remove/", cart.line_remove, name="cart-remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/address/", checkout.address_step, name="checkout-address"),
    path("checkout/delivery/", checkout.delivery_step, name="checkout-delivery"),
    path("checkout/review/", checkout.review, name="checkout-review"),
    path("checkout/place/", checkout.place, name="checkout-place"),
    path("orders/", account.order_list, name="list"),
    path("orders/guest/<str:token>/", account.guest_order_detail, name="guest"),
    path(
        "orders/guest/<str:token>/cancel/",
        account.guest_order_cancel,
        name="guest-cancel",
    ),
    path("orders/<str:number>/", account.order_detail, name="detail"),
    path("orders/<str:number>/cancel/", account.order_cancel, name="cancel"),
]
