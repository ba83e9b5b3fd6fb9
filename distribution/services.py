"""Record, refuse and void distributions: the locked, audited core of AidTracker.

Every call leaves exactly one audit row: `success`, `failed` (with the refusal's
code and message) or `cancelled` (a void). Rows are locked in one fixed order,
household first and inventory second, so two workers can neither hand out the
same last unit nor serve one household twice from two centers at once.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from centers import policies
from centers.models import DistributionCenter, StaffMember
from core.db.retry import LockContention, atomic_with_retries
from households.models import Household
from inventory.models import AidPackage, Inventory

from .models import DistributionLog
from .rules import (
    BUSY_CODE,
    BUSY_MESSAGE,
    FAILURE_CODES,
    FAILURE_MESSAGES,
    MAX_QUANTITY,
    eligibility_cutoff,
    is_valid_quantity,
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


def _refusal_under_lock(cursor, *, household, package, center, staff):
    """The first refusal code that applies, read fresh under the household lock, or None.

    The package, center and staff member are read again rather than trusted as the
    caller loaded them (as the stored procedure does), in one statement.
    """
    cursor.execute(
        statements_for(connection.vendor).read_facts, [staff_id(staff), package.pk, center.pk]
    )
    facts = cursor.fetchone()
    if facts is None:
        raise AidPackage.DoesNotExist(f"No package {package.pk} or center {center.pk}.")
    package_active, validity_days, center_status, *staff_facts = facts
    if not package_active:
        return "package_inactive"
    if center_status != DistributionCenter.Status.ACTIVE:
        return "center_inactive"
    if not policies.can_record_distribution(_staff_as_read(staff, *staff_facts), center):
        return "staff_not_allowed"
    blocked = has_blocking_success(
        cursor, household_id=household.pk, package_id=package.pk, validity_period_days=validity_days
    )
    return "not_eligible" if blocked else None


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
            code = _refusal_under_lock(
                cursor, household=household, package=package, center=center, staff=staff
            )
            if code is not None:
                raise _Refusal(code)
            now = timezone.now()
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
