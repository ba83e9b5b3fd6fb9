"""Write the access log (who exported which report, or looked at which record) and the
households' change history (who changed what, from what to what)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.db.bulk import insert_all

from .models import AccessAction, AccessLog, HouseholdChange, HouseholdChangeValues

MISSING_STAFF_MESSAGE = _("An access log entry needs the staff member who acted.")
ACTOR_NAME_LENGTH = 120


def actor_snapshot(staff):
    """(name, role) a row keeps of the staff member who wrote it, as they are now.

    The logs and the change history store both with the row, so renaming a staff
    member, or changing their role, never rewrites who past rows say acted. ("", "")
    when no staff member acted. The stored procedure and the migrations that filled
    older rows restate this rule in SQL: CONCAT(first_name, ' ', last_name), cut to
    ACTOR_NAME_LENGTH.
    """
    if staff is None:
        return "", ""
    return staff.full_name[:ACTOR_NAME_LENGTH], staff.role


def _actor_name(staff, system_actor):
    if staff is not None:
        name, _role = actor_snapshot(staff)
        # Stored, so in the source language whatever the staff member reads the portal in.
        with translation.override(None):
            return f"{name} ({staff.get_role_display()})"[:ACTOR_NAME_LENGTH]
    if system_actor:
        return system_actor[:ACTOR_NAME_LENGTH]
    raise ValidationError(MISSING_STAFF_MESSAGE, code="missing_staff")


def record_access(
    *,
    staff,
    action,
    target,
    object_id=None,
    export_format=None,
    params=None,
    row_count=None,
    system_actor="",
):
    """Append one entry to the access log (Access_Log, append-only) and return it.

    `params` is a JSON-serialisable dict: the filters an export applied, or what a
    page was asked for. Call it before handing the data out, so that no export
    leaves without its record. `system_actor` names a scheduled job acting on its
    own (the retention command), when no staff member does.
    """
    entry = AccessLog(
        staff=staff,
        staff_name=_actor_name(staff, system_actor),
        action=action,
        target=target,
        object_id=None if object_id is None else str(object_id),
        export_format=export_format,
        params=params or {},
        row_count=row_count,
    )
    entry.full_clean(exclude=["staff"])  # the staff member is the one signed in: no look-up
    entry.save()
    return entry


def record_households_shown(
    *, staff, target, household_ids, params=None, export_format=None, system_actor=""
):
    """One access-log entry for a page (or, with `export_format`, a file) that showed
    these households' personal data; nothing if it showed none.

    The ids go in `params["households"]`, in the order shown, so that a subject access
    request finds every list that showed the household (audit.selectors). A search's
    text is not kept: it may itself be a name or a phone number.
    """
    ids = list(dict.fromkeys(int(pk) for pk in household_ids if pk is not None))
    if not ids:
        return None
    return record_access(
        staff=staff,
        action=AccessAction.EXPORT if export_format else AccessAction.LIST_HOUSEHOLDS,
        target=target,
        export_format=export_format,
        params={**(params or {}), "households": ids},
        row_count=len(ids),
        system_actor=system_actor,
    )


@dataclass
class Change:
    """One change to record: `changes` and `personal` are {field: (old, new)}, JSON-ready.

    `household` is the Household or its id.
    `personal` holds the values anonymisation must be able to erase (names, phone,
    email, address, notes, dates of birth); `changes` everything else.
    """

    household: object
    action: str
    changes: dict = field(default_factory=dict)
    personal: dict = field(default_factory=dict)
    subject: str = ""


def _household_id(household):
    return getattr(household, "pk", household)


def _row(change, staff, system_actor):
    actor, role = actor_snapshot(staff)
    return HouseholdChange(
        household_id=_household_id(change.household),
        staff=staff,
        staff_name=actor or system_actor[:ACTOR_NAME_LENGTH],
        staff_role=role,
        action=change.action,
        subject=change.subject[:60],
        changes={name: list(pair) for name, pair in change.changes.items()},
        erasable=sorted(change.personal),
    )


def record_household_change(
    *, household, staff, action, changes=None, personal=None, subject="", system_actor=""
):
    """Append one change of `household` to its history and return it (call it inside the
    transaction that makes the change, so both are kept or neither)."""
    (row,) = record_household_changes(
        changes=[Change(household, action, changes or {}, personal or {}, subject)],
        staff=staff,
        system_actor=system_actor,
    )
    return row


def record_household_changes(*, changes, staff, system_actor=""):
    """Append many changes (one per registration of a bulk import) in two INSERTs."""
    if not changes:
        return []
    _actor_name(staff, system_actor)  # someone acted (asked once: the same for every row)
    rows = [_row(change, staff, system_actor) for change in changes]
    insert_all(rows)  # bulk_create's per-value preparation costs more than the insert
    if any(row.pk is None for row in rows):  # a database that returns no ids (MySQL)
        _read_back_ids(rows)
    values = [
        HouseholdChangeValues(
            change=row,
            household_id=_household_id(change.household),
            changes={name: list(pair) for name, pair in change.personal.items()},
        )
        for row, change in zip(rows, changes, strict=True)
        if change.personal
    ]
    insert_all(values)
    return rows


def _read_back_ids(rows):
    """Fill in the ids of rows just inserted by a bulk INSERT that returned none.

    Each row is the newest of its household and action (bulk registrations insert one
    per household), so that pair finds it again.
    """
    wanted = {(row.household_id, row.action): row for row in rows}
    found = (
        HouseholdChange.objects.filter(household_id__in={row.household_id for row in rows})
        .order_by("household_id", "action", "id")
        .values_list("household_id", "action", "id")
    )
    for household_id, action, pk in found:
        row = wanted.get((household_id, action))
        if row is not None:
            row.pk = row.id = pk  # the last one seen is the newest


def erase_household_change_values(*, household):
    """Delete the personal values of the household's history; return how many changes
    had some. The database allows it only once the household is anonymised."""
    erased, _ = HouseholdChangeValues.objects.filter(household=household).delete()
    return erased
