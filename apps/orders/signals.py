"""Framework hooks only: at sign-in the guest's cart joins the customer's."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .cart_services import cart_merge_at_sign_in


@receiver(user_logged_in, dispatch_uid="orders.cart_merge")
def on_login(sender, request, user, **kwargs):
    if request is not None:
        cart_merge_at_sign_in(request=request, user=user)
