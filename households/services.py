"""Register and maintain households."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from centers import policies

from .models import DUPLICATE_PHONE_MESSAGE, Household

EDIT_NOT_ALLOWED_MESSAGE = "Volunteers cannot register or edit households."
STATUS_NOT_ALLOWED_MESSAGE = "Only managers and admins can suspend or reactivate a household."


def save_household(*, household, staff):
    """Validate and save a new or edited household (phone normalised, duplicates refused).

    Raises ValidationError for anything `full_clean()` refuses, and for a phone number
    that another registration committed between that check and the insert: two people
    registering one family at the same moment get one household and one clear refusal.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(EDIT_NOT_ALLOWED_MESSAGE)
    household.full_clean()
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError:
        taken = Household.objects.exclude(pk=household.pk).filter(
            phone_number=household.phone_number
        )
        if taken.exists():
            raise ValidationError({"phone_number": DUPLICATE_PHONE_MESSAGE}) from None
        raise
    return household


@transaction.atomic
def set_household_status(*, household, status, staff):
    """Suspend, deactivate or reactivate a household; only active ones receive aid."""
    if not policies.can_change_household_status(staff):
        raise PermissionDenied(STATUS_NOT_ALLOWED_MESSAGE)
    household.status = Household.Status(status)
    household.save(update_fields=["status", "updated_at"])
    return household
