"""What of a household's contact details a staff member is shown: whole, or masked.

Which role sees which field whole is a setting (PERSONAL_DATA_VISIBLE_TO), read by
centers.policies; every page, fragment and export shows a field through `shown()`.
"""

from centers import policies

from .phones import format_phone

BULLET = "•"
HIDDEN = BULLET * 6


def mask(field_name, value):
    """The value as someone who may not see it is shown it: enough to tell it is there.

    A phone keeps its last two digits (a volunteer can confirm a number a family
    reads out), an email its first letter; an address or note shows nothing of itself.
    """
    if value in (None, ""):
        return ""
    value = str(value)
    if field_name == "phone_number":
        return BULLET * max(len(value) - 3, 0) + value[-2:]
    if field_name == "email":
        return f"{value[0]}{BULLET * 3}@{BULLET * 3}"
    return HIDDEN


def readable(field_name, value):
    """The value as shown to someone who may see it (a phone in international form)."""
    if value in (None, ""):
        return ""
    if field_name == "phone_number":
        return format_phone(value)
    return str(value)


def shown(field_name, value, staff):
    """The value of a household's field as `staff` may see it."""
    if policies.can_see_personal_field(staff, field_name):
        return readable(field_name, value)
    return mask(field_name, value)
