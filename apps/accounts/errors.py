"""Accounts' business-rule errors, each with a stable code shown to people as a message."""

from apps.auditing.errors import ShopError


class AccountsError(ShopError):
    code = "accounts_error"


class EmailTaken(AccountsError):
    code = "email_taken"
    default_message = "An account with this email address already exists."


class TokenInvalid(AccountsError):
    code = "token_invalid"
    default_message = (
        "This link is not valid. Check that you copied all of it, or ask for a new one."
    )


class TokenUsed(AccountsError):
    code = "token_used"
    default_message = "This link has already been used."


class TokenExpired(AccountsError):
    code = "token_expired"
    default_message = "This link has expired. Ask for a new one."


class TokenSuperseded(AccountsError):
    code = "token_superseded"
    default_message = (
        "A newer link has been sent; use the one in the most recent email."
    )


class RoleCycle(AccountsError):
    code = "role_cycle"
    default_message = (
        "A role cannot inherit from itself or from one of its own descendants."
    )


class AccountLocked(AccountsError):
    code = "account_locked"
    default_message = "Too many failed sign-in attempts. Try again later."


class AddressLimit(AccountsError):
    code = "address_invalid"
