"""Reads over the audit tables: a household's change history, and who looked at it."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from .models import AccessAction, AccessLog, HouseholdChange

# Access-log targets that name one household in `object_id`.
HOUSEHOLD_TARGET = Q(target__startswith="household") | Q(target="subject access")


def household_changes(household):
    """The household's history, newest first, each with its personal values if any are
    still held (`change.personal_values`, missing once erased)."""
    return (
        HouseholdChange.objects.filter(household=household)
        .select_related("personal_values")
        .order_by("-created_at", "-id")
    )


def access_entries_about(household_id):
    """Every access-log entry about the household, newest first: the pages and exports of
    its record, and the lists that showed it (their `params["households"]`)."""
    household_id = int(household_id)
    about_it = AccessLog.objects.filter(HOUSEHOLD_TARGET, object_id=str(household_id))
    # Lists keep the ids they showed in `params`; the text search narrows, Python decides.
    listed = (
        AccessLog.objects.exclude(action=AccessAction.VIEW_HOUSEHOLD)
        .annotate(params_text=Cast("params", TextField()))
        .filter(params_text__contains=str(household_id), object_id__isnull=True)
    )
    entries = {entry.pk: entry for entry in about_it}
    for entry in listed:
        if household_id in (entry.params or {}).get("households", ()):
            entries[entry.pk] = entry
    return sorted(entries.values(), key=lambda entry: (entry.created_at, entry.pk), reverse=True)
