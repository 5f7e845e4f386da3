from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self):
        # Orders asks payments through its port; it never imports payments.
        from apps.accounts.gdpr import register_eraser, register_exporter
        from apps.orders.payments_port import payments_port_register

        from .gdpr import payment_methods_erase, payment_methods_export
        from .port import GatewayPayments

        payments_port_register(GatewayPayments())
        register_exporter("payment_methods", payment_methods_export)
        register_eraser("payment_methods", payment_methods_erase)
