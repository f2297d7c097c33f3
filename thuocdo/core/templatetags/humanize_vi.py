from django import template

register = template.Library()


@register.filter
def vi_number(value: object) -> str:
    """3321 -> "3.321", as Vietnamese readers write thousands."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,}".replace(",", ".")
