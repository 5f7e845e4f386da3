from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"

    def ready(self):
        # The in-process outbox handlers register themselves on import; signals connects
        # the sign-in hook that merges a guest's cart.
        from apps.accounts.gdpr import (
            register_eraser,
            register_exporter,
            register_terms,
        )

        from . import notifications, signals  # noqa: F401
        from .gdpr import orders_erase, orders_export, orders_personal_terms

        register_exporter("orders", orders_export)
        register_eraser("orders", orders_erase)
        register_terms("orders", orders_personal_terms)
