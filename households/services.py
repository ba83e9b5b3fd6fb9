"""Register and maintain households."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from centers import policies

from .models import Household

EDIT_NOT_ALLOWED_MESSAGE = "Volunteers cannot register or edit households."
STATUS_NOT_ALLOWED_MESSAGE = "Only managers and admins can suspend or reactivate a household."


@transaction.atomic
def save_household(*, household, staff):
    """Validate and save a new or edited household (phone normalised, duplicates refused)."""
    if not policies.can_edit_households(staff):
        raise PermissionDenied(EDIT_NOT_ALLOWED_MESSAGE)
    household.full_clean()
    household.save()
    return household


@transaction.atomic
def set_household_status(*, household, status, staff):
    """Suspend, deactivate or reactivate a household; only active ones receive aid."""
    if not policies.can_change_household_status(staff):
        raise PermissionDenied(STATUS_NOT_ALLOWED_MESSAGE)
    household.status = Household.Status(status)
    household.save(update_fields=["status", "updated_at"])
    return household
