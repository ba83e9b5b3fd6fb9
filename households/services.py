"""Register and maintain households, and issue their cards.

Every change is recorded in the household's history (households.history, the audit
app's Household_Changes) in the same transaction as the change itself.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import HouseholdChangeAction as Action
from audit.services import actor_snapshot
from centers import policies
from core.db.bulk import insert_all
from core.db.retry import LockContention, atomic_with_retries

from . import history
from .models import (
    ANONYMISED_MESSAGE,
    CARD_ALPHABET,
    CARD_CODE_LENGTH,
    DUPLICATE_PHONE_MESSAGE,
    MAX_ALTERNATES,
    AlternateCollector,
    Household,
    HouseholdCard,
    HouseholdMember,
    PossibleDuplicate,
)

EDIT_NOT_ALLOWED_MESSAGE = _("Volunteers cannot register or edit households.")
STATUS_NOT_ALLOWED_MESSAGE = _("Only managers and admins can suspend or reactivate a household.")
CARD_NOT_ALLOWED_MESSAGE = _("Volunteers cannot issue household cards.")


def save_household(*, household, staff):
    """Validate and save a new or edited household (phone normalised, duplicates refused).

    Raises ValidationError for anything `full_clean()` refuses, and for a phone number
    that another registration committed between that check and the insert: two people
    registering one family at the same moment get one household and one clear refusal.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(EDIT_NOT_ALLOWED_MESSAGE)
    refuse_anonymised(household)
    household.full_clean()
    try:
        with transaction.atomic():
            before = _locked_values(household)
            household.save()
            history.record(
                household=household,
                staff=staff,
                action=Action.REGISTERED if before is None else Action.EDITED,
                before=before,
                after=history.household_values(household),
                always=before is None,
            )
    except IntegrityError:
        taken = Household.objects.exclude(pk=household.pk).filter(
            phone_number=household.phone_number
        )
        if taken.exists():
            raise ValidationError(
                {"phone_number": ValidationError(DUPLICATE_PHONE_MESSAGE, code="unique")}
            ) from None
        raise
    return household


def refuse_anonymised(household):
    """An anonymised household's record is closed: nothing of it changes any more."""
    if household.anonymised_at is not None:
        raise ValidationError(ANONYMISED_MESSAGE, code="anonymised")


def _locked_values(household):
    """The history's values of the household's stored row, locked (None: a new one)."""
    if household.pk is None:
        return None
    stored = Household.objects.select_for_update().filter(pk=household.pk).first()
    if stored is None:
        return None
    refuse_anonymised(stored)
    return history.household_values(stored)


def register_households(*, households, staff):
    """Save many new, already validated households at once (bulk registration).

    One INSERT for the lot and two for their history (core.db.bulk; on SQLite a few
    each: it takes fewer parameters a statement); if the database refuses it (a phone
    number registered by someone else since the caller checked), each household is
    saved on its own through save_household, so the others are kept and the taken
    number gets the registration page's refusal. Returns, in order, each saved
    Household or the ValidationError that refused it. Call inside a transaction.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(EDIT_NOT_ALLOWED_MESSAGE)
    if not households:
        return []
    try:
        with transaction.atomic():
            # full_clean has normalised the phone numbers: not parsed again.
            registered = insert_all(households, stored_as_is=("phone_number",))
            history.record_registrations(households=registered, staff=staff)
            return registered
    except IntegrityError:
        pass
    outcomes = []
    for household in households:
        household.pk = None  # an INSERT rolled back may have given it one
        household._state.adding = True
        try:
            outcomes.append(save_household(household=household, staff=staff))
        except ValidationError as refused:
            outcomes.append(refused)
    return outcomes


@transaction.atomic
def set_household_status(*, household, status, staff):
    """Suspend, deactivate or reactivate a household; only active ones receive aid.

    Raises ValidationError for a status the household may not take (a confirmed
    duplicate stays inactive)."""
    if not policies.can_change_household_status(staff):
        raise PermissionDenied(STATUS_NOT_ALLOWED_MESSAGE)
    stored = _locked_household(household)
    refuse_anonymised(stored)
    previous, household.status = stored.status, Household.Status(status)
    try:
        household.check_status()
    except ValidationError:
        household.status = previous
        raise
    household.save(update_fields=["status", "updated_at"])
    history.record(
        household=household,
        staff=staff,
        action=Action.STATUS,
        before={"status": previous},
        after={"status": household.status},
    )
    return household


def new_card_code():
    """A random code of CARD_CODE_LENGTH characters from CARD_ALPHABET (about 59 bits)."""
    return "".join(secrets.choice(CARD_ALPHABET) for _position in range(CARD_CODE_LENGTH))


def issue_card(*, household, staff):
    """Issue a new card for `household`, revoking its previous card (a lost or worn card).

    The household row is locked first, so two people issuing at once leave exactly one
    valid card. Returns the new HouseholdCard.
    """
    if not policies.can_edit_households(staff):
        raise PermissionDenied(CARD_NOT_ALLOWED_MESSAGE)
    for _attempt in range(5):  # a clash of random codes is astronomically rare; retry if it happens
        try:
            with transaction.atomic():
                refuse_anonymised(_locked_household(household))
                now = timezone.now()
                valid = HouseholdCard.objects.filter(household=household, revoked_at__isnull=True)
                revoked = [card.display_code for card in valid]
                valid.update(revoked_at=now)
                card = HouseholdCard.objects.create(
                    household=household,
                    code=new_card_code(),
                    issued_by=staff,
                    issued_by_name=actor_snapshot(staff)[0],
                    issued_at=now,
                )
                history.record(
                    household=household,
                    staff=staff,
                    action=Action.CARD_ISSUED,
                    before={history.CARD: ", ".join(revoked) or None},
                    after={history.CARD: card.display_code},
                    subject=history.subject(history.CARD_REVOKED, code=revoked[0])
                    if revoked
                    else "",
                )
                return card
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


MEMBER_NOT_ALLOWED_MESSAGE = _("Volunteers cannot add, change or remove household members.")
TOO_MANY_ALTERNATES_MESSAGE = _("A household can name at most %(count)d alternate collectors.")


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
        refuse_anonymised(household)
        size = household.family_size
        stored = HouseholdMember.objects.filter(pk=member.pk).first() if member.pk else None
        before = history.member_values(stored) if stored is not None else {}
        member.save()
        _keep_family_size(household)
        history.record(
            household=household,
            staff=staff,
            action=Action.MEMBER_EDITED if stored is not None else Action.MEMBER_ADDED,
            before={**before, "family_size": size},
            after={**history.member_values(member), "family_size": household.family_size},
            personal=history.PERSONAL_MEMBER_FIELDS,
            subject=history.member_subject(member),
            always=stored is None,
        )
    return member


def remove_member(*, member, staff):
    """Remove a member. Removing the last one leaves the family size as it was."""
    if not policies.can_edit_households(staff):
        raise PermissionDenied(MEMBER_NOT_ALLOWED_MESSAGE)
    with transaction.atomic():
        household = _locked_household(member.household)
        refuse_anonymised(household)
        size, subject = household.family_size, history.member_subject(member)
        before = history.member_values(member)
        member.delete()
        _keep_family_size(household)
        history.record(
            household=household,
            staff=staff,
            action=Action.MEMBER_REMOVED,
            before={**before, "family_size": size},
            after={"family_size": household.family_size},
            personal=history.PERSONAL_MEMBER_FIELDS,
            subject=subject,
            always=True,
        )
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
        raise ValidationError(
            TOO_MANY_ALTERNATES_MESSAGE, code="too_many", params={"count": MAX_ALTERNATES}
        )
    rows = []
    for entry in chosen:
        if isinstance(entry, HouseholdMember):
            if entry.household_id != household.pk:
                raise ValidationError(
                    gettext("Choose a member of this household."), code="other_household"
                )
            rows.append(
                AlternateCollector(household=household, member=entry, full_name=entry.full_name)
            )
        else:
            rows.append(AlternateCollector(household=household, full_name=str(entry).strip()))
    for row in rows:
        row.full_clean(exclude=["household"])
    with transaction.atomic():
        refuse_anonymised(_locked_household(household))
        before = [alternate.full_name for alternate in household.alternate_collectors.all()]
        household.alternate_collectors.all().delete()
        AlternateCollector.objects.bulk_create(rows)
        history.record(
            household=household,
            staff=staff,
            action=Action.ALTERNATES,
            before={history.ALTERNATES: before or None},
            after={history.ALTERNATES: [row.full_name for row in rows] or None},
            personal={history.ALTERNATES},
        )
    return rows


# Possible duplicates: a manager's decision ------------------------------------------

REVIEW_NOT_ALLOWED_MESSAGE = _(
    "Only managers and admins can confirm or dismiss possible duplicates."
)
ALREADY_DECIDED_MESSAGES = {
    PossibleDuplicate.Status.DISMISSED: _(
        "This pair was already decided: not duplicates by %(staff)s on %(when)s."
    ),
    PossibleDuplicate.Status.CONFIRMED: _(
        "This pair was already decided: confirmed duplicates by %(staff)s on %(when)s."
    ),
}


def _open_pair(pair):
    """Lock the pair's row and return it; ValidationError if it was decided already."""
    locked = PossibleDuplicate.objects.select_for_update().get(pk=pair.pk)
    if locked.status != PossibleDuplicate.Status.OPEN:
        raise ValidationError(
            ALREADY_DECIDED_MESSAGES[locked.status],
            code="decided",
            params={
                "staff": locked.decided_by,
                "when": date_format(timezone.localtime(locked.decided_at), "DATE_FORMAT"),
            },
        )
    return locked


def _decide(pair, status, staff, now):
    pair.status, pair.decided_by, pair.decided_at = status, staff, now
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    return pair


def dismiss_duplicate(*, pair, staff):
    """Record that the pair's households are two families; the pair is never queued again."""
    if not policies.can_review_duplicates(staff):
        raise PermissionDenied(REVIEW_NOT_ALLOWED_MESSAGE)
    with transaction.atomic():
        locked = _open_pair(pair)
        decided = _decide(locked, PossibleDuplicate.Status.DISMISSED, staff, timezone.now())
        _record_decision(locked, Action.DUPLICATE_DISMISSED, staff)
        return decided


def _record_decision(pair, action, staff, changes=None):
    """Record the decision on both households of the pair; `changes` {household id:
    (before, after)} of those whose record it changed."""
    changes = changes or {}
    for household_id, other_id in (
        (pair.household_a_id, pair.household_b_id),
        (pair.household_b_id, pair.household_a_id),
    ):
        before, after = changes.get(household_id, ({}, {}))
        history.record(
            household=household_id,
            staff=staff,
            action=action,
            before=before,
            after=after,
            subject=history.subject(history.PAIR_WITH, pair=pair.pk, other=other_id),
            always=True,
        )


def _family_head(household_id):
    """The household that represents `household_id`'s family (itself, if no duplicate)."""
    row = Household.objects.values_list("pk", "duplicate_of_id", "registration_date").get(
        pk=household_id
    )
    if row[1] is None:
        return (row[2], row[0])
    head = Household.objects.values_list("registration_date", "pk").get(pk=row[1])
    return (head[0], head[1])


def confirm_duplicate(*, pair, staff):
    """Confirm that the pair's households are one family; return the surviving household.

    The newer one (later registration date, then higher id) becomes inactive and
    points at the older one, whose eligibility from then on counts its distributions
    (distribution.recording). Links stay one step long: if a household is already a
    confirmed duplicate its family's survivor stands for it, and the duplicates of a
    household that stops surviving move to the new survivor, as do its open owed items
    (move_open_owed_items says why). The audit log is not touched. The
    household rows are locked survivor first, then the pair's row, so serving the
    survivor waits for the confirmation (or goes first and is counted).
    """
    if not policies.can_review_duplicates(staff):
        raise PermissionDenied(REVIEW_NOT_ALLOWED_MESSAGE)

    def locked_confirmation():
        heads = sorted({_family_head(pair.household_a_id), _family_head(pair.household_b_id)})
        survivor_id, newer_id = heads[0][1], heads[-1][1]
        for _registered, household_id in heads:  # survivor first
            Household.objects.select_for_update().filter(pk=household_id).values("pk").get()
        again = sorted({_family_head(pair.household_a_id), _family_head(pair.household_b_id)})
        if again != heads:  # another confirmation moved a family meanwhile
            raise _FamiliesMoved
        locked = _open_pair(pair)
        now = timezone.now()
        changed = {}
        if newer_id != survivor_id:
            changed = _duplicate_links(newer_id, survivor_id)
            Household.objects.filter(duplicate_of_id=newer_id).update(
                duplicate_of_id=survivor_id, updated_at=now
            )
            Household.objects.filter(pk=newer_id).update(
                status=Household.Status.INACTIVE, duplicate_of_id=survivor_id, updated_at=now
            )
            moved = move_open_owed_items(from_id=newer_id, to_id=survivor_id, now=now)
            if moved:
                changed[newer_id][0][history.OWED_HANDED_OVER] = moved
                changed[survivor_id] = ({}, {history.OWED_TAKEN_OVER: moved})
        _decide(locked, PossibleDuplicate.Status.CONFIRMED, staff, now)
        _record_decision(locked, Action.DUPLICATE_CONFIRMED, staff, changed)
        for household_id, (before, after) in changed.items():
            if household_id not in (locked.household_a_id, locked.household_b_id):
                history.record(
                    household=household_id,
                    staff=staff,
                    action=Action.DUPLICATE_CONFIRMED,
                    before=before,
                    after=after,
                    subject=history.subject(
                        history.PAIR_FAMILY, pair=locked.pk, newer=newer_id, survivor=survivor_id
                    ),
                )
        return Household.objects.get(pk=survivor_id)

    for _attempt in range(3):
        try:
            return atomic_with_retries(locked_confirmation)
        except _FamiliesMoved:
            continue
    raise LockContention(gettext("The households kept changing; try again."))


def move_open_owed_items(*, from_id, to_id, now):
    """Give household `to_id` the open owed items of household `from_id`; return their
    ids. Called when `from_id` is confirmed a duplicate of `to_id`, its survivor.

    An owed item is units the family was due at a hand-out that ran short. A confirmed
    duplicate is never served again: the family is served as the survivor, whose
    eligibility already counts the duplicate's distributions, so the partial hand-out
    blocks the survivor too and only an owed item of the survivor's could let the
    family collect the rest. What an auditor expects is that the family still gets
    what it was owed, once, and that the trail shows how: the items still open (not
    lapsed, not cancelled by a void, not all handed out) move to the survivor, with
    their quantities, validity and creating distribution unchanged; the audit log is
    not touched (the creating row still names the household that was served), and the
    history of both households names the items moved. Closed items stay where they
    are, as the record of that registration. An owed item is read through the
    household's reverse relation: this app imports nothing of the distribution app.
    """
    owed_item = Household._meta.get_field("owed_items").related_model
    served = Q(fulfilments__transaction_status="success", fulfilments__void__isnull=True)
    still_open = (
        owed_item._base_manager.filter(
            household_id=from_id, expires_at__gt=now, log__void__isnull=True
        )
        .annotate(handed_out=Coalesce(Sum("fulfilments__quantity_distributed", filter=served), 0))
        .filter(quantity_owed__gt=F("handed_out"))
    )
    ids = sorted(still_open.values_list("pk", flat=True))
    if ids:
        owed_item._base_manager.filter(pk__in=ids).update(household_id=to_id)
    return ids


def _duplicate_links(newer_id, survivor_id):
    """{household id: (before, after)} of what confirming changes: the newer household
    becomes an inactive duplicate of the survivor, and its own duplicates move along."""
    changed = {}
    rows = Household.objects.filter(Q(pk=newer_id) | Q(duplicate_of_id=newer_id))
    for pk, status, duplicate_of in rows.values_list("pk", "status", "duplicate_of_id"):
        before = {"status": status, "duplicate_of": duplicate_of}
        after = {"status": status, "duplicate_of": survivor_id}
        if pk == newer_id:
            after["status"] = Household.Status.INACTIVE.value
        changed[pk] = (before, after)
    return changed


class _FamiliesMoved(Exception):
    """A concurrent confirmation changed a family between the read and the locks."""


# Anonymisation lives in its own module; these are its public names.
from .anonymise import anonymise_household, anonymise_inactive_households  # noqa: E402, F401
