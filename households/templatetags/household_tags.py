"""Template filters for showing household data to the right people."""

from django import template

from centers.models import StaffMember
from households.phones import format_phone

register = template.Library()


@register.filter
def phone_for(e164, staff):
    """Show a phone number readably; volunteers see only its last two digits."""
    if not e164:
        return ""
    if staff is None or staff.role == StaffMember.Role.VOLUNTEER:
        return "•" * max(len(e164) - 3, 0) + e164[-2:]
    return format_phone(e164)
