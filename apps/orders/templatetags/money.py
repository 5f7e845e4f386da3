from decimal import Decimal

from django import template

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """€1,234.50 (or 1,234.50 CHF for a currency without a symbol here)."""
    if amount is None:
        return ""
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"
