"""The SQL of a distribution, written once per database vendor.

`distribute_package` runs on every submit of the busiest page. Built with the ORM,
its five statements were rebuilt and recompiled on every call, which was half of
its CPU time and kept the hot inventory row locked while the worker waited for a
core (docs/BENCHMARKS.md). These are the same statements as plain text. The
benchmark's bare-SQL floor sends exactly this text too, so the two stay comparable.

Every statement takes `%s` placeholders, as Django's cursors do on both databases.
"""

import functools
from dataclasses import dataclass

from inventory.lots import fefo_order_sql, usable_lot_sql

from .rules import served_sql

LOG_COLUMNS = (
    "household_id",
    "package_id",
    "center_id",
    "staff_id",
    "staff_name",
    "staff_role",
    "quantity_distributed",
    "distribution_date",
    "transaction_status",
    "failure_code",
    "failure_reason",
    "notes",
    "visit_id",
    "owed_item_id",
)


@dataclass(frozen=True)
class DistributionStatements:
    # Lock the household row (the first lock of the fixed order) and read its status.
    lock_household: str
    # The package, center and staff member as they are now (not as the caller read them).
    read_facts: str
    # Any served distribution of the package since the cutoff, to the household or to
    # a confirmed duplicate of it (a household whose duplicate_of is it).
    blocking_success: str
    # Take the stock only if enough is on hand: one statement that locks the
    # inventory row (the second lock of the order) and re-checks under that lock.
    take_stock: str
    # After take_stock changed nothing: is there no row, or too little stock?
    stock_on_hand: str
    insert_log: str
    # The open owed item of (household, package), if any, and what it still owes.
    open_owed: str
    # A visit locks the household and reads its size (for the entitlements) at once.
    lock_household_for_visit: str
    # A due line reads the stock under the inventory row's lock before it takes it.
    lock_stock: str
    # Under the inventory row's lock: the row's lots that may be handed out, in the
    # order they go out (inventory.lots), then take from them and record the takes.
    usable_lots: str
    take_from_lot: str
    insert_lot_take: str
    # Spend a form's one-time token in the transaction that records its outcome.
    insert_submission: str
    # The outcome a spent token recorded, and what its form said.
    find_submission: str


def build_statements(vendor):
    """Return the statements for `vendor`.

    SQLite has no `FOR UPDATE`: its `BEGIN IMMEDIATE` already lets one writer in.
    """
    lock = " FOR UPDATE" if vendor != "sqlite" else ""
    # MariaDB's UPDATE planner may take the package_id index, which locks that
    # package's rows at every center; the unique (center, package) index locks one.
    inventory = "Inventory FORCE INDEX (uq_center_package)" if vendor == "mysql" else "Inventory"
    placeholders = ", ".join(["%s"] * len(LOG_COLUMNS))
    return DistributionStatements(
        lock_household=f"SELECT status FROM Households WHERE household_id = %s{lock}",
        read_facts=(
            "SELECT p.is_active, p.validity_period_days, c.status, s.status, s.role, s.center_id,"
            " p.units_per_household, p.persons_per_unit, p.max_units"
            " FROM Aid_Packages p CROSS JOIN Distribution_Centers c"
            " LEFT JOIN Staff_Members s ON s.staff_id = %s"
            " WHERE p.package_id = %s AND c.center_id = %s"
        ),
        # The household id is passed once (as the benchmark passes it too), as a
        # one-row table: `%s IN (f.household_id, f.duplicate_of_id)` would read the log
        # by package. The household and its duplicates come from two index look-ups,
        # then each one's log rows from (household, package, date); CROSS JOIN keeps
        # SQLite, which has no statistics, to that order (MariaDB picks it anyway).
        blocking_success=(
            "SELECT 1 FROM (SELECT %s AS household_id) me"
            " CROSS JOIN Households f CROSS JOIN Distribution_Log d"
            " WHERE (f.household_id = me.household_id OR f.duplicate_of_id = me.household_id)"
            " AND d.household_id = f.household_id"
            " AND d.package_id = %s AND d.distribution_date >= %s"
            f" AND {served_sql('d')} LIMIT 1"
        ),
        take_stock=(
            f"UPDATE {inventory}"
            " SET quantity_on_hand = quantity_on_hand - %s, updated_at = %s"
            " WHERE center_id = %s AND package_id = %s AND quantity_on_hand >= %s"
        ),
        stock_on_hand=(
            "SELECT quantity_on_hand FROM Inventory WHERE center_id = %s AND package_id = %s"
        ),
        insert_log=(
            f"INSERT INTO Distribution_Log ({', '.join(LOG_COLUMNS)}) VALUES ({placeholders})"
        ),
        open_owed=(
            "SELECT o.owed_id, o.quantity_owed - COALESCE((SELECT SUM(f.quantity_distributed)"
            f" FROM Distribution_Log f WHERE f.owed_item_id = o.owed_id AND {served_sql('f')}), 0)"
            " FROM Owed_Items o WHERE o.household_id = %s AND o.package_id = %s"
            " AND o.expires_at > %s AND NOT EXISTS"
            " (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = o.log_id)"
            " ORDER BY o.expires_at DESC LIMIT 1"
        ),
        lock_household_for_visit=(
            f"SELECT status, family_size FROM Households WHERE household_id = %s{lock}"
        ),
        lock_stock=(
            f"SELECT quantity_on_hand FROM {inventory.split(' FORCE')[0]}"
            f" WHERE center_id = %s AND package_id = %s{lock}"
        ),
        usable_lots=(
            "SELECT l.lot_id, l.quantity FROM Inventory i"
            " JOIN Stock_Lots l ON l.inventory_id = i.inventory_id"
            f" WHERE i.center_id = %s AND i.package_id = %s AND {usable_lot_sql('l')}"
            f" ORDER BY {fefo_order_sql('l')}"
        ),
        take_from_lot="UPDATE Stock_Lots SET quantity = quantity - %s WHERE lot_id = %s",
        insert_lot_take=(
            "INSERT INTO Distribution_Lot_Takes (log_id, lot_id, quantity) VALUES (%s, %s, %s)"
        ),
        insert_submission=(
            "INSERT INTO Form_Submissions (token, fingerprint, log_id, created_at)"
            " VALUES (%s, %s, %s, %s)"
        ),
        find_submission="SELECT fingerprint, log_id FROM Form_Submissions WHERE token = %s",
    )


@functools.cache
def statements_for(vendor):
    return build_statements(vendor)
