from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"

    def ready(self):
        # The in-process outbox handlers register themselves on import; signals connects
        # the sign-in hook that merges a guest's cart.
        from . import notifications, signals  # noqa: F401
