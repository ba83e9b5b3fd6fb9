"""Template filters for showing household data to the right people."""

from django import template

from households.privacy import shown as shown_value

register = template.Library()


@register.filter
def phone_for(e164, staff):
    """Show a phone number readably to those who may see it; masked to anyone else
    (volunteers, by default: only its last two digits)."""
    if not e164:
        return ""
    return shown_value("phone_number", e164, staff)


@register.simple_tag
def shown(value, field_name, staff):
    """`{% shown household.email "email" staff %}`: the field whole, or masked."""
    return shown_value(field_name, value, staff)
