from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"

    def ready(self):
        from . import signals  # noqa: F401  (connects the sign-in hook)
