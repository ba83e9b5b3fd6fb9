"""Record, refuse and void distributions: the locked, audited core of AidTracker.

Every call leaves exactly one audit row: `success`, `failed` (with the refusal's
code and message) or `cancelled` (a void). Rows are locked in one fixed order,
household first and inventory second, so two workers can neither hand out the
same last unit nor serve one household twice from two centers at once.
"""

import logging

from django.db import IntegrityError, connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers import policies
from core.db.galera import certify
from core.db.retry import LockContention, atomic_with_retries
from households.models import Household
from inventory.lots import fefo_plan, put_back
from inventory.models import Inventory

from .models import DistributionLog, LotTake
from .recording import (
    HOUSEHOLD_LOCK,
    FormAlreadySubmitted,
    Submission,
    decide_under_lock,
    insert_log,
    record_takes,
    spend,
    take_lots,
    unless_submitted,
    usable_lots,
)
from .rules import (
    BUSY_CODE,
    BUSY_MESSAGE,
    FAILURE_CODES,
    FAILURE_MESSAGES,
    MAX_QUANTITY,
    eligibility_cutoff,
    is_valid_quantity,
    refusal_message,
)
from .statements import statements_for
from .visits import serve_household

__all__ = [  # the distribution contract; the rules themselves live in .rules
    "FAILURE_CODES",
    "FAILURE_MESSAGES",
    "MAX_QUANTITY",
    "DistributionBusy",
    "DistributionRefused",
    "FormAlreadySubmitted",
    "VoidRefused",
    "distribute_package",
    "eligibility_cutoff",
    "serve_household",
    "void_distribution",
]

logger = logging.getLogger(__name__)

VOID_MESSAGES = {
    "staff_not_allowed": _("Only a manager of this center or an admin can void a distribution."),
    "not_voidable": _("Only a successful distribution can be voided."),
    "already_voided": _("This distribution has already been voided."),
    "reason_required": _("Give the reason for voiding this distribution."),
}


class DistributionRefused(Exception):
    """A distribution that did not happen; `.log` is the committed `failed` row.

    `.message` is for the worker, in the current language; the row keeps the English.
    """

    def __init__(self, code, log=None):
        self.code = code
        self.log = log
        self.message = refusal_message(code)
        super().__init__(self.message)


class DistributionBusy(DistributionRefused):
    """Lock contention outlasted the retries; the attempt left nothing half-done."""

    def __init__(self, log=None):
        super().__init__(BUSY_CODE, log)


class VoidRefused(Exception):
    def __init__(self, code):
        self.code = code
        self.message = str(VOID_MESSAGES[code])
        super().__init__(self.message)


class _Refusal(Exception):
    """Raised inside the locked block so that the block rolls back."""

    def __init__(self, code):
        self.code = code


def distribute_package(*, household, package, center, staff, quantity=1, form_token=None):
    """Hand `quantity` units of `package` to `household` at `center`, recorded by `staff`.

    Returns the `success` log row, or raises DistributionRefused whose `.code` is one
    of FAILURE_CODES and whose `.log` is the committed `failed` row.

    `form_token` (the one-time token of the form that asked) is spent in the same
    transaction as the outcome's audit row; if it was spent already, nothing is
    recorded and FormAlreadySubmitted carries the outcome it recorded then.

    The household row is locked first. The inventory row is locked second, by the
    conditional UPDATE that takes the stock, so the hot row stays locked only for
    that UPDATE, the lot step, the log insert and the commit. Under that lock the
    units come out of the row's unexpired lots, first to expire first; if those hold
    too few (the rest has expired), it is `insufficient_stock`, as for an empty row.
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
            certify(cursor, HOUSEHOLD_LOCK, household.pk)
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
            plan = fefo_plan(usable_lots(cursor, center=center, package=package, now=now), quantity)
            if plan is None:
                raise _Refusal("insufficient_stock")
            take_lots(cursor, plan)
            log = insert_log(
                cursor,
                household_id=household.pk,
                package_id=package.pk,
                center_id=center.pk,
                staff=staff,
                quantity_distributed=quantity,
                distribution_date=now,
                transaction_status=DistributionLog.Status.SUCCESS,
                owed_item_id=decision.owed[0] if decision.owed else None,
            )
            record_takes(cursor, log, plan)
            spend(cursor, submission, log)
            return log

    try:
        log = unless_submitted(submission, lambda: atomic_with_retries(locked_distribution))
    except _Refusal as refusal:
        code = refusal.code
    except LockContention:
        code = BUSY_CODE
    else:
        logger.info("distribution recorded", extra={"outcome": "success", "log_id": log.pk})
        return log
    # A busy attempt changed nothing, so its form stays unspent and may be sent again.
    to_spend = submission if code != BUSY_CODE else None
    failed = unless_submitted(
        to_spend, lambda: _log_failure(household, package, center, staff, quantity, code, to_spend)
    )
    logger.info("distribution refused", extra={"outcome": code, "log_id": failed.pk})
    if code == BUSY_CODE:
        raise DistributionBusy(failed)
    raise DistributionRefused(code, failed)


def _log_failure(household, package, center, staff, quantity, code, submission=None):
    """Commit the `failed` audit row for a refused attempt, spending the form's token.

    Retried like the attempt itself: the row's rollup triggers write shared counter
    rows, which can deadlock, or fail certification on a Galera cluster.
    """
    valid = is_valid_quantity(quantity)

    def record():
        with connection.cursor() as cursor:
            log = insert_log(
                cursor,
                household_id=household.pk,
                package_id=package.pk,
                center_id=center.pk,
                staff=staff,
                quantity_distributed=quantity if valid else 1,
                distribution_date=timezone.now(),
                transaction_status=DistributionLog.Status.FAILED,
                failure_code=code,
                failure_reason=FAILURE_MESSAGES.get(code, BUSY_MESSAGE),
                notes=None if valid else f"Requested quantity: {str(quantity)[:50]}",
            )
            spend(cursor, submission, log)
            return log

    return atomic_with_retries(record)


def void_distribution(*, log, staff, reason):
    """Cancel a successful distribution: append a `cancelled` row and put the stock back
    into the lots it was taken from.

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
        with connection.cursor() as cursor:
            certify(cursor, HOUSEHOLD_LOCK, log.household_id)
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
        takes = LotTake.objects.filter(log_id=log.pk).values_list("lot_id", "quantity")
        put_back(inventory_id, list(takes), log.quantity_distributed)
        return void

    try:
        return atomic_with_retries(locked_void)
    except IntegrityError:
        raise VoidRefused("already_voided") from None
    except LockContention:
        raise DistributionBusy() from None
