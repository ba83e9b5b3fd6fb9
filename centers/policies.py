"""The role matrix (docs/ARCHITECTURE.md, "Roles"), in one place: who may do what, and where.

Services call these before writing; views call them to decide what to show and
to refuse requests. Every check also requires the staff member to be active.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import StaffMember

Role = StaffMember.Role


def _active(staff):
    return staff is not None and staff.is_active


def can_record_distribution(staff, center):
    """Every role records distributions at its own center; admins at any center."""
    return _active(staff) and staff.works_at(center)


def can_edit_households(staff):
    return _active(staff) and staff.role in (Role.WORKER, Role.MANAGER, Role.ADMIN)


def can_import_households(staff):
    """Bulk registration from a file: managers and admins (a file registers hundreds)."""
    return _active(staff) and staff.role in (Role.MANAGER, Role.ADMIN)


def can_change_household_status(staff):
    return _active(staff) and staff.role in (Role.MANAGER, Role.ADMIN)


def can_manage_center(staff, center):
    """Restock, adjust stock, set reorder levels and void: managers of the center, admins."""
    if not _active(staff):
        return False
    return staff.is_admin or (staff.role == Role.MANAGER and staff.works_at(center))


def can_send_stock(staff, source):
    """Dispatch a transfer from `source`, or cancel one before it arrives: its managers, admins."""
    return can_manage_center(staff, source)


def can_receive_stock(staff, destination):
    """Receive a transfer at `destination`: its managers, admins."""
    return can_manage_center(staff, destination)


def can_view_reports(staff, center=None):
    """Managers see their own center's reports; admins see all."""
    if not _active(staff):
        return False
    if staff.is_admin:
        return True
    return staff.role == Role.MANAGER and (center is None or staff.works_at(center))


def can_manage_packages(staff):
    """Create and edit aid packages and their entitlements: admins only (they span centers)."""
    return _active(staff) and staff.is_admin


def can_review_duplicates(staff):
    """Confirm or dismiss possible duplicate households: managers and admins.

    Households are shared by every center, so the review queue is too.
    """
    return _active(staff) and staff.role in (Role.MANAGER, Role.ADMIN)


def can_view_household_history(staff):
    """See who changed a household's record and what it was before: managers and admins."""
    return _active(staff) and staff.role in (Role.MANAGER, Role.ADMIN)


def can_anonymise_households(staff):
    """Erase a household's personal data for good: managers and admins."""
    return _active(staff) and staff.role in (Role.MANAGER, Role.ADMIN)


def can_export_subject_data(staff):
    """Export everything held about one household (an access request): managers, admins."""
    return _active(staff) and staff.role in (Role.MANAGER, Role.ADMIN)


# A household's contact details that a role may be shown masked (settings.
# PERSONAL_DATA_VISIBLE_TO says which each role sees whole).
MASKABLE_FIELDS = ("phone_number", "email", "address", "notes")


def visible_personal_fields(staff):
    """The maskable fields `staff` sees whole: nothing for no one or an inactive account."""
    setting = getattr(settings, "PERSONAL_DATA_VISIBLE_TO", None)
    if not isinstance(setting, dict) or set(setting) != set(Role.values):
        raise ImproperlyConfigured(
            "PERSONAL_DATA_VISIBLE_TO must map every role "
            f"({', '.join(Role.values)}) to the fields it sees whole."
        )
    unknown = {name for fields in setting.values() for name in fields} - set(MASKABLE_FIELDS)
    if unknown:
        raise ImproperlyConfigured(
            f"PERSONAL_DATA_VISIBLE_TO names unknown field(s) {sorted(unknown)}; "
            f"use {', '.join(MASKABLE_FIELDS)}."
        )
    if not _active(staff):
        return frozenset()
    return frozenset(setting[staff.role])


def can_see_personal_field(staff, field_name):
    """Whether `staff` sees the field whole; names and any field not maskable, always."""
    return field_name not in MASKABLE_FIELDS or field_name in visible_personal_fields(staff)
