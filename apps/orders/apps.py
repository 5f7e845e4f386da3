from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"

    def ready(self):
        # The in-process outbox handlers register themselves on import.
        from . import notifications  # noqa: F401
