from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self):
        # Orders asks payments through its port; it never imports payments.
        from apps.orders.payments_port import payments_port_register

        from .port import GatewayPayments

        payments_port_register(GatewayPayments())
