"""Keep numbers, phone numbers and codes left to right inside right-to-left text."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def ltr(value):
    """Wrap a value in an isolated left-to-right run: `+962 7 9123 4567` must not be
    reordered by the Arabic around it, and must not reorder that text either."""
    if value is None or value == "":
        return value
    return format_html('<bdi class="ltr" dir="ltr">{}</bdi>', value)
