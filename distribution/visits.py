"""A household visit: a whole basket in one transaction, with owed units for shortfalls."""

import hashlib
import logging
from dataclasses import dataclass, field
from functools import partial

from django.db import connection
from django.utils import timezone

from core.db.galera import certify
from core.db.retry import LockContention, atomic_with_retries
from households.models import Household
from inventory.lots import fefo_plan
from inventory.models import AidPackage

from .models import DistributionLog, OwedItem, Visit
from .recording import (
    HOUSEHOLD_LOCK,
    Submission,
    adapt_datetime,
    decide_under_lock,
    insert_log,
    record_takes,
    spend,
    staff_id,
    take_lots,
    unless_submitted,
    usable_lots,
)
from .rules import BUSY_CODE, BUSY_MESSAGE, FAILURE_MESSAGES, is_valid_quantity, owed_until
from .statements import statements_for

logger = logging.getLogger(__name__)


@dataclass
class _Line:
    """One visit line's outcome, decided under the locks and written in line order."""

    package: AidPackage
    quantity: int  # what was handed out, or what was asked (for a refusal)
    code: str | None = None
    owed_item_id: int | None = None
    shortfall: int = 0
    validity_days: int = 0
    takes: list = field(default_factory=list)  # (lot id, units) a success took


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
            certify(cursor, HOUSEHOLD_LOCK, household.pk)
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
        visit = unless_submitted(submission, lambda: atomic_with_retries(locked_visit))
    except LockContention:
        busy = [_Line(package, quantity, BUSY_CODE) for package, quantity in lines]
        visit = atomic_with_retries(
            partial(_record_busy_visit, household, center, staff, collected_by, busy)
        )
    logger.info("visit recorded", extra={"visit_id": visit.pk, "lines": len(lines)})
    return visit


def _record_busy_visit(household, center, staff, collected_by, busy):
    """Record a visit whose every line was refused as busy (its rows' triggers write
    shared counter rows, so this is retried too)."""
    with connection.cursor() as cursor:
        return _record_visit(
            cursor, household, center, staff, collected_by, timezone.now(), busy, None
        )


def _serve_line(cursor, household, family_size, center, staff, package, quantity, now):
    """Decide one line and take its stock (the inventory row's lock is the second).

    Under that lock the units come out of the row's unexpired lots, first to expire
    first; expired units count as no stock.
    """
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
    cursor.execute(sql.lock_stock, [center.pk, package.pk])
    if cursor.fetchone() is None:
        return _Line(package, asked, "no_inventory")
    lots = usable_lots(cursor, center=center, package=package, now=now)
    if quantity is None:
        asked = min(decision.due, sum(units for _, units in lots))
        if asked <= 0:
            return _Line(package, decision.due, "insufficient_stock")
    plan = fefo_plan(lots, asked)
    if plan is None:
        return _Line(package, asked, "insufficient_stock")
    cursor.execute(sql.take_stock, [asked, adapt_datetime(now), center.pk, package.pk, asked])
    if cursor.rowcount != 1:  # the lots hold no more than the row: a guard, not a path
        return _Line(package, asked, "insufficient_stock")
    take_lots(cursor, plan)
    return _Line(
        package,
        asked,
        owed_item_id=decision.owed[0] if decision.owed else None,
        # What a fresh entitlement could not get is owed; an owed line keeps its item.
        shortfall=0 if decision.owed or quantity is not None else decision.due - asked,
        validity_days=decision.validity_days,
        takes=plan,
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
            "staff": staff,
            "quantity_distributed": line.quantity if valid else 1,
            "distribution_date": now,
            "visit_id": visit.pk,
        }
        if line.code is None:
            log = insert_log(
                cursor,
                **values,
                transaction_status=DistributionLog.Status.SUCCESS,
                owed_item_id=line.owed_item_id,
            )
            record_takes(cursor, log, line.takes)
        else:
            log = insert_log(
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
            spend(cursor, submission, log)
    return visit
