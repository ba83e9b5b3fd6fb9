"""Register and maintain households, and issue their cards."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from centers import policies

from .models import (
    CARD_ALPHABET,
    CARD_CODE_LENGTH,
    DUPLICATE_PHONE_MESSAGE,
    MAX_ALTERNATES,
    AlternateCollector,
    Household,
    HouseholdCard,
    HouseholdMember,
)

EDIT_NOT_ALLOWED_MESSAGE = "Volunteers cannot register or edit households."
STATUS_NOT_ALLOWED_MESSAGE = "Only managers and admins can suspend or reactivate a household."
CARD_NOT_ALLOWED_MESSAGE = "Volunteers cannot issue household cards."


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


def new_card_code():
    """A random code of CARD_CODE_LENGTH characters from CARD_ALPHABET (about 59 bits)."""
    return "".join(secrets.choice(CARD_ALPHABET) for _ in range(CARD_CODE_LENGTH))


def issue_card(*, household, staff):
    """Issue a new card for `household`, revoking its previous card (a lost or worn card).

    The household row is locked first, so two people issuing at once leave exactly one
    valid card. Returns the new HouseholdCard.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(CARD_NOT_ALLOWED_MESSAGE)
    for _ in range(5):  # a clash of random codes is astronomically rare; retry if it happens
        try:
            with transaction.atomic():
                Household.objects.select_for_update().filter(pk=household.pk).values("pk").get()
                now = timezone.now()
                HouseholdCard.objects.filter(household=household, revoked_at__isnull=True).update(
                    revoked_at=now
                )
                return HouseholdCard.objects.create(
                    household=household, code=new_card_code(), issued_by=staff, issued_at=now
                )
        except IntegrityError:
            continue  # the only unique column is the code
    raise IntegrityError("Could not draw an unused card code.")


def issue_missing_cards(*, households, staff):
    """Issue a card to each household that has no valid card; return how many were issued."""
    issued = 0
    for household in households:
        if not HouseholdCard.objects.filter(household=household, revoked_at__isnull=True).exists():
            issue_card(household=household, staff=staff)
            issued += 1
    return issued


MEMBER_NOT_ALLOWED_MESSAGE = "Volunteers cannot add, change or remove household members."
TOO_MANY_ALTERNATES_MESSAGE = f"A household can name at most {MAX_ALTERNATES} alternate collectors."


def _locked_household(household):
    return Household.objects.select_for_update().get(pk=household.pk)


def _keep_family_size(household):
    """Set family_size to the number of members, if the household has any."""
    count = household.members.count()
    if count and household.family_size != count:
        Household.objects.filter(pk=household.pk).update(family_size=count)
        household.family_size = count


def save_member(*, member, staff):
    """Add or change a member; the household's family size follows its member count.

    The household row is locked, so two people adding members at once both count.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(MEMBER_NOT_ALLOWED_MESSAGE)
    member.full_clean()
    with transaction.atomic():
        household = _locked_household(member.household)
        member.save()
        _keep_family_size(household)
    return member


def remove_member(*, member, staff):
    """Remove a member. Removing the last one leaves the family size as it was."""
    if not policies.can_edit_households(staff):
        raise PermissionDenied(MEMBER_NOT_ALLOWED_MESSAGE)
    with transaction.atomic():
        household = _locked_household(member.household)
        member.delete()
        _keep_family_size(household)
    return household


def set_alternate_collectors(*, household, collectors, staff):
    """Replace the household's alternate collectors with `collectors`.

    Each entry is a HouseholdMember of this household or a name; at most
    MAX_ALTERNATES, blanks ignored.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(MEMBER_NOT_ALLOWED_MESSAGE)
    chosen = [entry for entry in collectors if entry]
    if len(chosen) > MAX_ALTERNATES:
        raise ValidationError(TOO_MANY_ALTERNATES_MESSAGE)
    rows = []
    for entry in chosen:
        if isinstance(entry, HouseholdMember):
            if entry.household_id != household.pk:
                raise ValidationError("Choose a member of this household.")
            rows.append(
                AlternateCollector(household=household, member=entry, full_name=entry.full_name)
            )
        else:
            rows.append(AlternateCollector(household=household, full_name=str(entry).strip()))
    for row in rows:
        row.full_clean(exclude=["household"])
    with transaction.atomic():
        _locked_household(household)
        household.alternate_collectors.all().delete()
        AlternateCollector.objects.bulk_create(rows)
    return rows
