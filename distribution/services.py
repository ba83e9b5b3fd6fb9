"""Record, refuse and void distributions: the locked, audited core of AidTracker.

Every call leaves exactly one audit row: `success`, `failed` (with the refusal's
code and message) or `cancelled` (a void). Rows are locked in one fixed order,
household first and inventory second, so two workers can neither hand out the
same last unit nor serve one household twice from two centers at once.
"""

import hashlib
import logging
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from centers import policies
from centers.models import DistributionCenter, StaffMember
from core.db.retry import LockContention, atomic_with_retries
from households.models import Household
from inventory.models import AidPackage, Inventory, entitlement

from .models import DistributionLog, OwedItem, Visit
from .rules import (
    BUSY_CODE,
    BUSY_MESSAGE,
    FAILURE_CODES,
    FAILURE_MESSAGES,
    MAX_QUANTITY,
    eligibility_cutoff,
    is_valid_quantity,
    owed_until,
)
from .statements import LOG_COLUMNS, statements_for

__all__ = [  # the distribution contract; the rules themselves live in .rules
    "FAILURE_CODES",
    "FAILURE_MESSAGES",
    "MAX_QUANTITY",
    "DistributionBusy",
    "DistributionRefused",
    "FormAlreadySubmitted",
    "VoidRefused",
    "distribute_package",
    "serve_household",
    "void_distribution",
]

logger = logging.getLogger(__name__)

VOID_MESSAGES = {
    "staff_not_allowed": "Only a manager of this center or an admin can void a distribution.",
    "not_voidable": "Only a successful distribution can be voided.",
    "already_voided": "This distribution has already been voided.",
    "reason_required": "Give the reason for voiding this distribution.",
}


class DistributionRefused(Exception):
    """A distribution that did not happen; `.log` is the committed `failed` row."""

    def __init__(self, code, log=None):
        self.code = code
        self.log = log
        self.message = FAILURE_MESSAGES.get(code, BUSY_MESSAGE)
        super().__init__(self.message)


class DistributionBusy(DistributionRefused):
    """Lock contention outlasted the retries; the attempt left nothing half-done."""

    def __init__(self, log=None):
        super().__init__(BUSY_CODE, log)


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


class VoidRefused(Exception):
    def __init__(self, code):
        self.code = code
        self.message = VOID_MESSAGES[code]
        super().__init__(self.message)


class _Refusal(Exception):
    """Raised inside the locked block so that the block rolls back."""

    def __init__(self, code):
        self.code = code


def has_blocking_success(cursor, *, household_id, package_id, validity_period_days):
    """Is a served distribution still blocking the package for the household?"""
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
    if not policies.can_record_distribution(_staff_as_read(staff, *staff_facts), center):
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


def adapt_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


def staff_id(staff):
    return getattr(staff, "pk", None)


def _staff_as_read(staff, status, role, center_id):
    """The staff member as the database has them now (None: no such staff member)."""
    if status is None:
        return None
    return StaffMember(id=staff.pk, status=status, role=role, center_id=center_id)


def distribute_package(*, household, package, center, staff, quantity=1, form_token=None):
    """Hand `quantity` units of `package` to `household` at `center`, recorded by `staff`.

    Returns the `success` log row, or raises DistributionRefused whose `.code` is one
    of FAILURE_CODES and whose `.log` is the committed `failed` row.

    `form_token` (the one-time token of the form that asked) is spent in the same
    transaction as the outcome's audit row; if it was spent already, nothing is
    recorded and FormAlreadySubmitted carries the outcome it recorded then.

    The household row is locked first. The inventory row is locked second, by the
    conditional UPDATE that takes the stock, so the hot row stays locked only for
    that UPDATE, the log insert and the commit.
    """
    sql = statements_for(connection.vendor)
    adapt_datetime = connection.ops.adapt_datetimefield_value
    submission = None
    if form_token is not None:
        submission = Submission.of(
            form_token,
            household=household,
            package=package,
            center=center,
            staff=staff,
            quantity=quantity,
        )

    def locked_distribution():
        if not is_valid_quantity(quantity):
            raise _Refusal("invalid_quantity")
        with connection.cursor() as cursor:
            cursor.execute(sql.lock_household, [household.pk])
            row = cursor.fetchone()
            if row is None:
                raise Household.DoesNotExist(f"No household with id {household.pk}.")
            if row[0] != Household.Status.ACTIVE:
                raise _Refusal("household_inactive")
            now = timezone.now()
            decision = decide_under_lock(
                cursor,
                household=household,
                package=package,
                center=center,
                staff=staff,
                quantity=quantity,
                family_size=None,
                now=now,
            )
            if decision.code is not None:
                raise _Refusal(decision.code)
            cursor.execute(
                sql.take_stock, [quantity, adapt_datetime(now), center.pk, package.pk, quantity]
            )
            if cursor.rowcount != 1:
                cursor.execute(sql.stock_on_hand, [center.pk, package.pk])
                stocked = cursor.fetchone() is not None
                raise _Refusal("insufficient_stock" if stocked else "no_inventory")
            log = _insert_log(
                cursor,
                household_id=household.pk,
                package_id=package.pk,
                center_id=center.pk,
                staff_id=staff.pk,
                quantity_distributed=quantity,
                distribution_date=now,
                transaction_status=DistributionLog.Status.SUCCESS,
                owed_item_id=decision.owed[0] if decision.owed else None,
            )
            _spend(cursor, submission, log)
            return log

    try:
        log = _unless_submitted(submission, lambda: atomic_with_retries(locked_distribution))
    except _Refusal as refusal:
        code = refusal.code
    except LockContention:
        code = BUSY_CODE
    else:
        logger.info("distribution recorded", extra={"outcome": "success", "log_id": log.pk})
        return log
    # A busy attempt changed nothing, so its form stays unspent and may be sent again.
    spend = submission if code != BUSY_CODE else None
    failed = _unless_submitted(
        spend, lambda: _log_failure(household, package, center, staff, quantity, code, spend)
    )
    logger.info("distribution refused", extra={"outcome": code, "log_id": failed.pk})
    if code == BUSY_CODE:
        raise DistributionBusy(failed)
    raise DistributionRefused(code, failed)


def _insert_log(cursor, **values):
    """Insert one audit row with `cursor` and return it as a model instance.

    The row is inserted as built: its inputs were checked by the caller, and
    full_clean() would re-query every foreign key while the rows are locked.
    """
    values = {column: values.get(column) for column in LOG_COLUMNS}
    params = [values[column] for column in LOG_COLUMNS]
    params[LOG_COLUMNS.index("distribution_date")] = connection.ops.adapt_datetimefield_value(
        values["distribution_date"]
    )
    cursor.execute(statements_for(connection.vendor).insert_log, params)
    values.update(id=cursor.lastrowid, voided_log_id=None)
    names = [field.attname for field in DistributionLog._meta.concrete_fields]
    return DistributionLog.from_db(connection.alias, names, [values[name] for name in names])


def _spend(cursor, submission, log):
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


def _unless_submitted(submission, record):
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


def _log_failure(household, package, center, staff, quantity, code, submission=None):
    """Commit the `failed` audit row for a refused attempt, spending the form's token."""
    valid = is_valid_quantity(quantity)
    with transaction.atomic(), connection.cursor() as cursor:
        log = _insert_log(
            cursor,
            household_id=household.pk,
            package_id=package.pk,
            center_id=center.pk,
            staff_id=staff_id(staff),
            quantity_distributed=quantity if valid else 1,
            distribution_date=timezone.now(),
            transaction_status=DistributionLog.Status.FAILED,
            failure_code=code,
            failure_reason=FAILURE_MESSAGES.get(code, BUSY_MESSAGE),
            notes=None if valid else f"Requested quantity: {str(quantity)[:50]}",
        )
        _spend(cursor, submission, log)
        return log


def void_distribution(*, log, staff, reason):
    """Cancel a successful distribution: append a `cancelled` row and put the stock back.

    The household becomes eligible for the package again. Each success can be voided
    once; the unique `voided_log_id` column makes the database refuse a second void.
    """
    reason = (reason or "").strip()
    if not reason:
        raise VoidRefused("reason_required")
    if not policies.can_manage_center(staff, log.center):
        raise VoidRefused("staff_not_allowed")
    if log.transaction_status != DistributionLog.Status.SUCCESS:
        raise VoidRefused("not_voidable")

    def locked_void():
        Household.objects.select_for_update().filter(pk=log.household_id).values_list("pk").get()
        inventory_id = (
            Inventory.objects.select_for_update()
            .filter(center_id=log.center_id, package_id=log.package_id)
            .values_list("pk", flat=True)
            .get()
        )
        if DistributionLog.objects.filter(voided_log_id=log.pk).exists():
            raise VoidRefused("already_voided")
        now = timezone.now()
        void = DistributionLog.objects.create(
            household_id=log.household_id,
            package_id=log.package_id,
            center_id=log.center_id,
            staff=staff,
            quantity_distributed=log.quantity_distributed,
            distribution_date=now,
            transaction_status=DistributionLog.Status.CANCELLED,
            voided_log_id=log.pk,
            notes=reason,
        )
        Inventory.objects.filter(pk=inventory_id).update(
            quantity_on_hand=F("quantity_on_hand") + log.quantity_distributed, updated_at=now
        )
        return void

    try:
        return atomic_with_retries(locked_void)
    except IntegrityError:
        raise VoidRefused("already_voided") from None
    except LockContention:
        raise DistributionBusy() from None


# --- A household visit: a whole basket in one transaction ----------------------------


@dataclass
class _Line:
    """One visit line's outcome, decided under the locks and written in line order."""

    package: AidPackage
    quantity: int  # what was handed out, or what was asked (for a refusal)
    code: str | None = None
    owed_item_id: int | None = None
    shortfall: int = 0
    validity_days: int = 0


def serve_household(*, household, center, staff, lines, collected_by="", form_token=None):
    """Serve `household` a basket at `center`: one audit row per line, in one transaction.

    `lines` is a sequence of `(package, quantity)`; `quantity=None` asks for what the
    household is due now (its entitlement, or what it is still owed), and if less is
    on hand, hands out what there is and records the shortfall as owed. An explicit
    quantity is all-or-nothing, as in `distribute_package`. Refusals are checked in
    the order of FAILURE_CODES. The household row is locked first, then the inventory
    rows in ascending package id, so two visits never deadlock on one another and one
    basket wins each contested unit. Returns the Visit, whose `logs` follow `lines`.

    A package listed twice is a ValueError and writes nothing. `form_token` is spent
    in the same transaction (FormAlreadySubmitted if it was spent already).
    """
    lines = [(package, quantity) for package, quantity in lines]
    package_ids = [package.pk for package, _ in lines]
    if not lines:
        raise ValueError("A visit needs at least one line.")
    if len(set(package_ids)) != len(package_ids):
        raise ValueError("A package appears twice in one visit.")
    submission = None
    if form_token is not None:
        asked = ",".join(f"{package.pk}:{quantity}" for package, quantity in lines)
        said = f"visit|{household.pk}|{center.pk}|{staff_id(staff)}|{asked}"
        submission = Submission(form_token, hashlib.sha256(said.encode()).hexdigest())

    def locked_visit():
        sql = statements_for(connection.vendor)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(sql.lock_household_for_visit, [household.pk])
            row = cursor.fetchone()
            if row is None:
                raise Household.DoesNotExist(f"No household with id {household.pk}.")
            status, family_size = row
            outcomes = {}
            for package, quantity in sorted(lines, key=lambda line: line[0].pk):
                if status != Household.Status.ACTIVE:
                    outcomes[package.pk] = _Line(package, quantity, "household_inactive")
                    continue
                outcomes[package.pk] = _serve_line(
                    cursor, household, family_size, center, staff, package, quantity, now
                )
            return _record_visit(
                cursor,
                household,
                center,
                staff,
                collected_by,
                now,
                [outcomes[package.pk] for package, _ in lines],
                submission,
            )

    try:
        visit = _unless_submitted(submission, lambda: atomic_with_retries(locked_visit))
    except LockContention:
        busy = [_Line(package, quantity, BUSY_CODE) for package, quantity in lines]
        with transaction.atomic(), connection.cursor() as cursor:
            visit = _record_visit(
                cursor, household, center, staff, collected_by, timezone.now(), busy, None
            )
    logger.info("visit recorded", extra={"visit_id": visit.pk, "lines": len(lines)})
    return visit


def _serve_line(cursor, household, family_size, center, staff, package, quantity, now):
    """Decide one line and take its stock (the inventory row's lock is the second)."""
    if quantity is not None and not is_valid_quantity(quantity):
        return _Line(package, quantity, "invalid_quantity")
    decision = decide_under_lock(
        cursor,
        household=household,
        package=package,
        center=center,
        staff=staff,
        quantity=quantity,
        family_size=family_size,
        now=now,
    )
    asked = quantity if quantity is not None else decision.due
    if decision.code is not None:
        return _Line(package, asked, decision.code)
    sql = statements_for(connection.vendor)
    if quantity is None:
        cursor.execute(sql.lock_stock, [center.pk, package.pk])
        stock = cursor.fetchone()
        if stock is None or stock[0] <= 0:
            return _Line(package, asked, "no_inventory" if stock is None else "insufficient_stock")
        asked = min(decision.due, stock[0])
    cursor.execute(sql.take_stock, [asked, adapt_datetime(now), center.pk, package.pk, asked])
    if cursor.rowcount != 1:
        cursor.execute(sql.stock_on_hand, [center.pk, package.pk])
        stocked = cursor.fetchone() is not None
        return _Line(package, asked, "insufficient_stock" if stocked else "no_inventory")
    return _Line(
        package,
        asked,
        owed_item_id=decision.owed[0] if decision.owed else None,
        # What a fresh entitlement could not get is owed; an owed line keeps its item.
        shortfall=0 if decision.owed or quantity is not None else decision.due - asked,
        validity_days=decision.validity_days,
    )


def _record_visit(cursor, household, center, staff, collected_by, now, outcomes, submission):
    """Insert the visit, its audit rows in line order and any owed items; spend the form."""
    visit = Visit.objects.create(
        household_id=household.pk,
        center_id=center.pk,
        staff_id=staff_id(staff),
        collected_by=(collected_by or "")[:150],
        visited_at=now,
    )
    for line in outcomes:
        valid = is_valid_quantity(line.quantity)
        values = {
            "household_id": household.pk,
            "package_id": line.package.pk,
            "center_id": center.pk,
            "staff_id": staff_id(staff),
            "quantity_distributed": line.quantity if valid else 1,
            "distribution_date": now,
            "visit_id": visit.pk,
        }
        if line.code is None:
            log = _insert_log(
                cursor,
                **values,
                transaction_status=DistributionLog.Status.SUCCESS,
                owed_item_id=line.owed_item_id,
            )
        else:
            log = _insert_log(
                cursor,
                **values,
                transaction_status=DistributionLog.Status.FAILED,
                failure_code=line.code,
                failure_reason=FAILURE_MESSAGES.get(line.code, BUSY_MESSAGE),
                notes=None if valid else f"Requested quantity: {str(line.quantity)[:50]}",
            )
        if line.shortfall > 0:
            OwedItem.objects.create(
                household_id=household.pk,
                package_id=line.package.pk,
                center_id=center.pk,
                log=log,
                quantity_owed=line.shortfall,
                expires_at=owed_until(now, line.validity_days),
                created_at=now,
            )
        if submission is not None and line is outcomes[0]:
            _spend(cursor, submission, log)
    return visit
