"""Anonymisation: a household's personal data erased for good, its figures kept.

What goes: the names, phone, email, street address and notes of the household, its
members' names, its alternate collectors' names, the basis-of-processing contact, the
personal values of its change history, the evidence of its possible-duplicate pairs,
the messages and stored files of the imports that named it, its name in Django
admin's history, and whatever the apps above register to erase (core.hooks).

What stays: the row and its id, city, state, zip code, family size, income and
priority, registration date, status (set inactive), its members' sex and relationship,
and each member's date of birth reduced to its month, which keeps every age group of
every report (the age on the last day of a month depends only on the year and month
of birth; a 29 February birth stays 29 February, so that it still turns a year older
on 1 March in common years). The distribution log, the access log and the change
history rows are never updated: reports, eligibility and stock do not move.

The phone becomes "anon-<id>": unique (the column is), never a number (E.164 starts
with "+"), so the number is free to be registered again as a new household. The
household's preferred language goes too: it may tell where a family comes from, and
nothing is printed for an anonymised household any more.
"""

import datetime
import re

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessAction
from audit.models import HouseholdChangeAction as Action
from audit.services import erase_household_change_values, record_access
from centers import policies
from core import hooks

from . import history
from .import_models import HouseholdImport, HouseholdImportRow, ImportStatus
from .models import (
    TOMBSTONE_NAME,
    AlternateCollector,
    Household,
    HouseholdMember,
    PossibleDuplicate,
)
from .phones import tombstone_phone
from .stored_text import ERASED

ANONYMISE_NOT_ALLOWED_MESSAGE = _("Only managers and admins can anonymise a household.")
ALREADY_ANONYMISED_MESSAGE = _("Household #%(number)s is already anonymised.")
IMPORT_RUNNING_MESSAGE = _(
    "Import #%(job)s holds this household's row and is still running; anonymise the "
    "household once it has stopped."
)
# Stored in English (the evidence, the import rows, the history) and translated when
# shown: see households.stored_text.
ERASED_TEXT = ERASED
RETENTION_ACTOR = history.RETENTION_ACTOR


def coarse_birth_date(date):
    """The date of birth as anonymisation keeps it: its month (see the module)."""
    if date is None or (date.month, date.day) == (2, 29):
        return date
    return date.replace(day=1)


def anonymise_household(*, household, staff):
    """Erase the household's personal data for good (see the module); return it.

    Irreversible. Recorded in the household's history and in the access log, in the
    same transaction. Raises ValidationError if it was anonymised already, or while an
    import holding its row still runs.
    """
    if not policies.can_anonymise_households(staff):
        raise PermissionDenied(ANONYMISE_NOT_ALLOWED_MESSAGE)
    return _anonymise(household.pk, staff=staff)


def _anonymise(pk, *, staff=None, system_actor=""):
    with transaction.atomic():
        stored = Household.objects.select_for_update().get(pk=pk)
        if stored.anonymised_at is not None:
            raise ValidationError(
                ALREADY_ANONYMISED_MESSAGE, code="anonymised", params={"number": pk}
            )
        jobs = HouseholdImport.objects.filter(
            pk__in=HouseholdImportRow.objects.filter(household_id=pk).values("household_import_id")
        )
        running = jobs.filter(status__in=[ImportStatus.CHECKING, ImportStatus.IMPORTING]).first()
        if running is not None:
            raise ValidationError(
                IMPORT_RUNNING_MESSAGE, code="running", params={"job": running.pk}
            )
        now = timezone.now()
        Household.objects.filter(pk=pk).update(
            consent_given_by=TOMBSTONE_NAME if stored.consent_given_by else "",
            family_name=TOMBSTONE_NAME,
            primary_contact_name=TOMBSTONE_NAME,
            phone_number=tombstone_phone(pk),
            email=None,
            address="",
            notes=None,
            preferred_language="",
            status=Household.Status.INACTIVE,
            anonymised_at=now,
            updated_at=now,
        )
        erased = _erase_related(stored, jobs)
        history.record(
            household=pk,
            staff=staff,
            action=Action.ANONYMISED,
            before={"status": stored.status},
            after={"status": Household.Status.INACTIVE.value},
            subject=history.subject(history.ERASED),
            always=True,
            system_actor=system_actor,
        )
        erased["history values"] = erase_household_change_values(household=pk)
        record_access(
            staff=staff,
            action=AccessAction.ANONYMISE,
            target="household",
            object_id=pk,
            params={"erased": {name: count for name, count in erased.items() if count}},
            system_actor=system_actor,
        )
    return Household.objects.get(pk=pk)


def _erase_related(household, jobs):
    """Erase what other rows keep of the household; return {what: how many rows}."""
    pk = household.pk
    erased = {}
    members = list(household.members.all())
    for member in members:
        member.full_name = TOMBSTONE_NAME
        member.date_of_birth = coarse_birth_date(member.date_of_birth)
    HouseholdMember.objects.bulk_update(members, ["full_name", "date_of_birth"])
    erased["members"] = len(members)
    erased["alternate collectors"] = AlternateCollector.objects.filter(household_id=pk).update(
        full_name=TOMBSTONE_NAME
    )
    text = ERASED_TEXT % {"number": pk}
    erased["possible duplicate evidence"] = PossibleDuplicate.objects.filter(
        Q(household_a_id=pk) | Q(household_b_id=pk)
    ).update(evidence=text)
    erased["import files"] = jobs.exclude(content=b"").update(content=b"")
    mention = re.compile(rf"#{pk}(?![0-9])")
    rows = HouseholdImportRow.objects.filter(
        Q(household_id=pk) | Q(message__contains=f"#{pk}")
    ).exclude(message="")
    named = [row.pk for row in rows.only("pk", "message") if mention.search(row.message)]
    named += list(rows.filter(household_id=pk).values_list("pk", flat=True))
    erased["import messages"] = HouseholdImportRow.objects.filter(pk__in=named).update(message=text)
    erased["admin history"] = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Household), object_id=str(pk)
    ).update(object_repr=f"{TOMBSTONE_NAME} household (#{pk})")
    for erase in hooks.registered(hooks.HOUSEHOLD_ERASERS):
        what, count = erase(pk)
        erased[what] = count
    return erased


def anonymise_inactive_households(*, inactive_days, staff=None, dry_run=False, now=None):
    """Anonymise every household inactive for `inactive_days` (households.selectors.
    inactive_households); return their ids. A dry run only returns them.

    Without `staff`, the retention policy acts (the scheduled command), and the history
    and access log say so. Each household is anonymised in a transaction of its own.
    """
    from .selectors import inactive_households

    if staff is not None and not policies.can_anonymise_households(staff):
        raise PermissionDenied(ANONYMISE_NOT_ALLOWED_MESSAGE)
    since = (now or timezone.now()) - datetime.timedelta(days=inactive_days)
    ids = list(inactive_households(since=since).values_list("pk", flat=True))
    if dry_run:
        return ids
    done = []
    for pk in ids:
        try:
            _anonymise(pk, staff=staff, system_actor="" if staff else RETENTION_ACTOR)
        except ValidationError:
            continue  # anonymised meanwhile, or an import holding it still runs
        done.append(pk)
    return done
