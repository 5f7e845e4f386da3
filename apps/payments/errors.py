"""Payment business-rule errors with stable codes, each with a message fit for a person."""

from apps.auditing.errors import ShopError, formatted  # noqa: F401 (re-exported)


class PaymentError(ShopError):
    code = "payment_error"


class PaymentDeclined(PaymentError):
    """The gateway said no; `decline_code` is its reason (card_declined, insufficient_funds)."""

    code = "payment_declined"
    default_message = "Your card was declined. Please try another card."
    http_status = 402


class PaymentPending(PaymentError):
    """The gateway did not answer clearly: the outcome is being confirmed."""

    code = "payment_pending"
    default_message = (
        "We could not confirm your payment yet. Do not pay again: we are checking with"
        " the bank and will update your order within a few minutes."
    )
    http_status = 409


class PaymentBusy(PaymentError):
    code = "payment_busy"
    default_message = (
        "Another operation on this payment is in progress. Try again in a moment."
    )
    http_status = 409


class OrderNotPayable(PaymentError):
    code = "order_not_payable"
    default_message = "This order cannot be paid: it is {status}."
    http_status = 409


class PaymentStateInvalid(PaymentError):
    code = "payment_state_invalid"
    default_message = "A {status} payment cannot be {action}."
    http_status = 409


class CaptureTooLarge(PaymentError):
    code = "capture_too_large"
    default_message = "At most {capturable} can be captured on this payment."


class RefundTooLarge(PaymentError):
    code = "refund_too_large"
    default_message = (
        "A refund of {amount} is more than the {refundable} that can still be refunded"
        " on this payment."
    )


class AmountInvalid(PaymentError):
    code = "payment_amount_invalid"
    default_message = "The amount must be more than zero."


class ManualNoteMissing(PaymentError):
    code = "payment_note_missing"
    default_message = (
        "Say how the money came in (for example the bank transfer's reference)."
    )


class CardNotSaved(PaymentError):
    code = "card_not_saved"
    default_message = "The card could not be saved. Please check it and try again."
    http_status = 400


class PaymentMethodInvalid(PaymentError):
    code = "payment_method_invalid"
    default_message = "This payment method cannot be used."


class CardNumberRefused(PaymentError):
    code = "card_number_refused"
    default_message = (
        "Card numbers are never stored: use the card form of the payment page."
    )


class DisputeInvalid(PaymentError):
    code = "dispute_invalid"
    default_message = "This dispute cannot be recorded: {reason}."


class NotificationInvalid(PaymentError):
    """A gateway notification that cannot be trusted or read: answered 400, never stored."""

    code = "notification_invalid"
    default_message = "The notification is invalid: {reason}."
    http_status = 400
