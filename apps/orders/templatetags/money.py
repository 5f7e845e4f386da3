from django import template

from apps.catalog.pricing import money as format_money

register = template.Library()


@register.filter
def money(amount, currency="EUR"):
    """{{ order.total|money:order.currency }} → "€58.45"."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
