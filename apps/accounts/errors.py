"""Accounts' business-rule errors, each with a stable code shown to people as a message."""

from apps.auditing.errors import ShopError


class AccountsError(ShopError):
    code = "accounts_error"


class EmailTaken(AccountsError):
    code = "email_taken"
    default_message = "An account with this email address already exists."


class TokenError(AccountsError):
    """A one-time link that cannot be used (page: templates/errors/token_error.html)."""

    code = "token_error"


class TokenInvalid(TokenError):
    code = "token_invalid"
    default_message = (
        "This link is not valid. Check that you copied all of it, or ask for a new one."
    )


class TokenUsed(TokenError):
    code = "token_used"
    http_status = 410  # Gone: the link was good once
    default_message = "This link has already been used."


class TokenExpired(TokenError):
    code = "token_expired"
    http_status = 410
    default_message = "This link has expired. Ask for a new one."


class TokenSuperseded(TokenError):
    code = "token_superseded"
    http_status = 410
    default_message = (
        "A newer link has been sent; use the one in the most recent email."
    )


class RoleCycle(AccountsError):
    code = "role_cycle"
    default_message = (
        "A role cannot inherit from itself or from one of its own descendants."
    )


class RoleInUse(AccountsError):
    code = "role_in_use"
    default_message = (
        "A role that is granted to someone or that other roles inherit from"
        " cannot be deleted."
    )


class AccountLocked(AccountsError):
    code = "account_locked"
    default_message = "Too many failed sign-in attempts. Try again later."


class PreferencesInvalid(AccountsError):
    code = "preferences_invalid"
    default_message = "These preferences are not valid."


class AddressLimit(AccountsError):
    code = "address_invalid"
