"""The steps every recording shares: the rules read under the household lock, the
lots taken under the inventory row's lock, the audit-row insert, and the form token
spent in the same transaction.

`distribute_package` (services) and `serve_household` (visits) both decide a line with
`decide_under_lock`, so one place decides eligibility, owed units and the entitlement,
and both take units from the lots with `usable_lots`, `take_lots` and `record_takes`.
"""

import datetime
import hashlib
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, connection

from audit.services import actor_snapshot
from centers import policies
from centers.models import DistributionCenter, StaffMember
from inventory.models import AidPackage, entitlement

from .models import DistributionLog
from .rules import MAX_QUANTITY, eligibility_cutoff
from .statements import LOG_COLUMNS, statements_for

# The Cluster_Locks name of the household lock: on a Galera cluster, serving and
# voiding write it after locking the household row (core.db.galera).
HOUSEHOLD_LOCK = "household"


class FormAlreadySubmitted(Exception):
    """The form's token was spent already: `.log` is the outcome it recorded.

    `.same_form` is False when the token comes back with other details than the
    form that spent it (a tampered or mixed-up form); nothing new was recorded.
    """

    def __init__(self, log, *, same_form):
        self.log = log
        self.same_form = same_form
        super().__init__(f"This form already recorded log #{log.pk}.")


@dataclass(frozen=True)
class Submission:
    """A form's one-time token and what the form asked for, spent with its outcome."""

    token: str
    fingerprint: str

    @classmethod
    def of(cls, token, *, household, package, center, staff, quantity):
        said = f"{household.pk}|{package.pk}|{center.pk}|{staff.pk}|{quantity}"
        return cls(token=token, fingerprint=hashlib.sha256(said.encode()).hexdigest())


def has_blocking_success(cursor, *, household_id, package_id, validity_period_days):
    """Is a served distribution still blocking the package for the household?

    Distributions to its confirmed duplicates count as its own: one family registered
    twice is served once per validity period. Confirming a duplicate locks this
    household's row first, so the read under that lock sees the link or waits for it.
    """
    cutoff = eligibility_cutoff(validity_period_days)
    cursor.execute(
        statements_for(connection.vendor).blocking_success,
        [household_id, package_id, connection.ops.adapt_datetimefield_value(cutoff)],
    )
    return cursor.fetchone() is not None


@dataclass(frozen=True)
class Decision:
    """What the rules say of one line, read fresh under the household lock.

    `code` is the first refusal that applies (None: go ahead). `owed` is the open
    owed item (id, units still owed) that lets the household receive the package
    inside its validity period; `entitlement` is what the household is due afresh.
    """

    code: str | None
    validity_days: int = 0
    entitlement: int = 1
    owed: tuple | None = None

    @property
    def due(self):
        """Units due now: what is still owed, else the entitlement (at most MAX_QUANTITY)."""
        return self.owed[1] if self.owed else min(self.entitlement, MAX_QUANTITY)


def decide_under_lock(cursor, *, household, package, center, staff, quantity, family_size, now):
    """Apply the refusal rules in FAILURE_CODES order (after the quantity and household).

    The package, center and staff member are read again rather than trusted as the
    caller loaded them (as the stored procedure does), in one statement. A household
    still inside the validity period may receive the package only up to what an open
    owed item still owes it. `quantity=None` asks for what is due.
    """
    sql = statements_for(connection.vendor)
    cursor.execute(sql.read_facts, [staff_id(staff), package.pk, center.pk])
    facts = cursor.fetchone()
    if facts is None:
        raise AidPackage.DoesNotExist(f"No package {package.pk} or center {center.pk}.")
    package_active, validity_days, center_status, *staff_facts = facts[:6]
    units, persons, cap = facts[6:]
    decided = partial(
        Decision,
        validity_days=validity_days,
        entitlement=entitlement(
            family_size=family_size or 1,
            units_per_household=units,
            persons_per_unit=persons,
            max_units=cap,
        ),
    )
    if not package_active:
        return decided("package_inactive")
    if center_status != DistributionCenter.Status.ACTIVE:
        return decided("center_inactive")
    if not policies.can_record_distribution(staff_as_read(staff, *staff_facts), center):
        return decided("staff_not_allowed")
    blocked = has_blocking_success(
        cursor, household_id=household.pk, package_id=package.pk, validity_period_days=validity_days
    )
    if not blocked:
        return decided(None)
    cursor.execute(sql.open_owed, [household.pk, package.pk, adapt_datetime(now)])
    row = cursor.fetchone()
    owed = None if row is None else (row[0], int(row[1]))  # MySQL sums are decimals
    if owed is None or owed[1] <= 0 or (quantity is not None and quantity > owed[1]):
        return decided("not_eligible")
    return decided(None, owed=owed)


def usable_lots(cursor, *, center, package, now):
    """(lot id, units) of the inventory row's unexpired lots, first to expire first.

    Read under the row's lock (a row's lots are only written under it), so they are
    what the row holds now; expired lots are left out, as if they were not there.
    """
    today = now.astimezone(datetime.UTC).date()
    cursor.execute(
        statements_for(connection.vendor).usable_lots,
        [center.pk, package.pk, connection.ops.adapt_datefield_value(today)],
    )
    return [(lot_id, int(units)) for lot_id, units in cursor.fetchall()]


def take_lots(cursor, plan):
    """Take each planned (lot id, units) out of its lot (inventory.lots.fefo_plan)."""
    take_from_lot = statements_for(connection.vendor).take_from_lot
    for lot_id, units in plan:
        cursor.execute(take_from_lot, [units, lot_id])


def record_takes(cursor, log, plan):
    """Record which lots the success `log` took its units from, for a void to put back."""
    rows = [(log.pk, lot_id, units) for lot_id, units in plan]
    insert = statements_for(connection.vendor).insert_lot_take
    if len(rows) == 1:
        cursor.execute(insert, rows[0])
    else:
        cursor.executemany(insert, rows)


def adapt_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


def staff_id(staff):
    return getattr(staff, "pk", None)


def staff_as_read(staff, status, role, center_id):
    """The staff member as the database has them now (None: no such staff member)."""
    if status is None:
        return None
    return StaffMember(id=staff.pk, status=status, role=role, center_id=center_id)


def insert_log(cursor, *, staff, **values):
    """Insert one audit row recorded by `staff` with `cursor`; return it as a model instance.

    The row keeps the staff member's name and role as they are now, from the object
    the caller loaded (no query). It is inserted as built: its inputs were checked by
    the caller, and full_clean() would re-query every foreign key while the rows are
    locked.
    """
    staff_name, staff_role = actor_snapshot(staff)
    values.update(staff_id=staff_id(staff), staff_name=staff_name, staff_role=staff_role)
    values = {column: values.get(column) for column in LOG_COLUMNS}
    params = [values[column] for column in LOG_COLUMNS]
    params[LOG_COLUMNS.index("distribution_date")] = connection.ops.adapt_datetimefield_value(
        values["distribution_date"]
    )
    cursor.execute(statements_for(connection.vendor).insert_log, params)
    values.update(id=cursor.lastrowid, voided_log_id=None)
    names = [field.attname for field in DistributionLog._meta.concrete_fields]
    return DistributionLog.from_db(connection.alias, names, [values[name] for name in names])


def spend(cursor, submission, log):
    """Spend the form's token in the transaction that inserted `log` (None: no form)."""
    if submission is None:
        return
    cursor.execute(
        statements_for(connection.vendor).insert_submission,
        [
            submission.token,
            submission.fingerprint,
            log.pk,
            connection.ops.adapt_datetimefield_value(log.distribution_date),
        ],
    )


def unless_submitted(submission, record):
    """Return `record()`, or raise FormAlreadySubmitted if the form's token was spent.

    The unique token decides: a copy of the form that reaches its insert second has
    its whole transaction (audit row, stock) rolled back, then hears the first
    copy's outcome.
    """
    try:
        return record()
    except IntegrityError:
        if submission is None:
            raise
        with connection.cursor() as cursor:
            cursor.execute(statements_for(connection.vendor).find_submission, [submission.token])
            spent = cursor.fetchone()
        if spent is None:
            raise
        fingerprint, log_id = spent
        raise FormAlreadySubmitted(
            DistributionLog.objects.get(pk=log_id), same_form=fingerprint == submission.fingerprint
        ) from None
