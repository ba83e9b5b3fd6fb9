"""Write a planned synthetic load into the database, fast, and keep it consistent.

BulkLoader runs the whole load in one transaction: it makes sure there are centers,
packages and staff to refer to, inserts the planned households and log rows with
explicit ids in batches, delivers the stock they take (so `check_stock` balances),
and, unless asked to let the triggers do it row by row, suspends the rollup
triggers for its own transaction and rebuilds the rollups once at the end.
It is the business logic behind the `generate_load_data` command, which only
parses options and prints; progress messages go to the `progress` callback.
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from audit.services import actor_snapshot
from centers.models import DistributionCenter, StaffMember
from inventory.lots import add_to_lot, fefo_plan, take
from inventory.models import AidPackage, Inventory, StockLot
from reports import rollup
from reports.models import RollupBulkLoad

from .data import CATALOG, CITIES, LOAD_NOTE, MIN_PACKAGES, STREETS, month_starts, sql_time
from .planning import Planner

LOG_INSERT = (
    "INSERT INTO Distribution_Log (log_id, household_id, package_id, center_id, staff_id, "
    "staff_name, staff_role, quantity_distributed, distribution_date, transaction_status, "
    "failure_reason, failure_code, notes, voided_log_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
HOUSEHOLD_INSERT = (
    "INSERT INTO Households (household_id, family_name, primary_contact_name, phone_number, "
    "address, city, state, zip_code, family_size, income_level, priority_level, "
    "registration_date, status, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
MOVEMENT_INSERT = (
    "INSERT INTO Stock_Movements (inventory_id, kind, reason, quantity_change, "
    "quantity_after, staff_id, staff_name, staff_role, notes, created_at) "
    "VALUES (%s, 'restock', 'delivery', %s, %s, %s, %s, %s, %s, %s)"
)


@dataclass(frozen=True)
class LoadResult:
    """How many rows of each kind one load wrote."""

    households: int
    log_rows: int
    successes: int
    failures: int
    voids: int
    restocks: int

    @property
    def attempts(self):
        return self.successes + self.failures + self.voids


class BulkLoader(Planner):
    """Plan (see Planner) and write a synthetic load in one transaction."""

    def __init__(self, *, seed=None, months=12, batch_size=5_000, progress=None):
        super().__init__(seed=seed, months=months, progress=progress)
        self.batch_size = batch_size

    def run(
        self,
        households,
        distributions,
        *,
        centers=10,
        failure_rate=0.03,
        void_rate=0.01,
        with_triggers=False,
    ):
        """Load everything; return a LoadResult. The trigger suspension never outlives it."""
        try:
            return self.load(
                households, distributions, centers, failure_rate, void_rate, with_triggers
            )
        finally:
            if not with_triggers:
                self.resume_rollup_triggers()

    def load(self, households, distributions, centers, failure_rate, void_rate, with_triggers):
        """Everything in one transaction; return a LoadResult."""
        with transaction.atomic():
            if not with_triggers:
                self.suspend_rollup_triggers()
            centers = self.ensure_centers(centers)
            packages = self.ensure_packages()
            staff_by_center = self.ensure_staff(centers)
            household_rows = self.plan_households(households, centers)
            successes, failures, voids = self.plan_distributions(
                household_rows,
                centers,
                packages,
                staff_by_center,
                distributions,
                failure_rate,
                void_rate,
            )
            self.insert_households(household_rows)
            log_rows, stock_events = self.number_log_rows(successes, failures, voids)
            self.insert_log(log_rows)
            movements = self.restock(stock_events, staff_by_center, packages)
            if not with_triggers:
                self.rebuild_rollups()
        return LoadResult(
            households=len(household_rows),
            log_rows=len(log_rows),
            successes=len(successes),
            failures=len(failures),
            voids=len(voids),
            restocks=movements,
        )

    # Rollups ---------------------------------------------------------------------

    def suspend_rollup_triggers(self):
        """Make the rollup triggers skip this connection's inserts, in this transaction only.

        The mark is a Rollup_Bulk_Load row (what the SQLite triggers look for) and, on
        MySQL/MariaDB, the session variable @aidtracker_rollup_bulk_load set to this
        CONNECTION_ID() (what the MySQL triggers read, without a table access per
        insert). rebuild_rollups() removes both before the commit; on a failure the
        row is rolled back and run() clears the variable. Other connections never
        see either.
        """
        connection_id = 0
        with connection.cursor() as cursor:
            if connection.vendor == "mysql":
                cursor.execute("SELECT CONNECTION_ID()")
                connection_id = cursor.fetchone()[0]
            self.bulk_load = RollupBulkLoad.objects.create(
                connection_id=connection_id, command="generate_load_data"
            )
            if connection.vendor == "mysql":
                cursor.execute("SET @aidtracker_rollup_bulk_load = CONNECTION_ID()")
        self.progress("Rollup triggers suspended for this transaction.")

    def resume_rollup_triggers(self):
        if connection.vendor == "mysql":
            with connection.cursor() as cursor:
                cursor.execute("SET @aidtracker_rollup_bulk_load = NULL")

    def rebuild_rollups(self):
        """Recompute every rollup from the log in set-based SQL, then lift the suspension."""
        counts = rollup.rebuild()
        self.bulk_load.delete()
        self.resume_rollup_triggers()
        self.progress(
            "Rebuilt the rollups: "
            + ", ".join(f"{table} {count}" for table, count in counts.items())
            + "."
        )

    # Reference data ------------------------------------------------------------

    def ensure_centers(self, count):
        centers = list(DistributionCenter.objects.filter(status="active").order_by("pk"))
        missing = max(0, count - len(centers))
        new = []
        for n in range(missing):
            city, state, zip_code = CITIES[n % len(CITIES)]
            new.append(
                DistributionCenter(
                    center_name=f"{city} load center {len(centers) + n + 1}",
                    address=f"{n + 1} {self.rng.choice(STREETS)} Road",
                    city=city,
                    state=state,
                    zip_code=zip_code,
                    capacity=1000,
                )
            )
        for center in new:
            center.save()
        return (centers + new)[: max(count, 1)] if count else centers

    def ensure_packages(self):
        packages = list(AidPackage.objects.filter(is_active=True).order_by("pk"))
        if len(packages) < MIN_PACKAGES:
            for name, category, cost, validity, _ in CATALOG:
                packages.append(
                    AidPackage.objects.create(
                        package_name=name,
                        category=category,
                        estimated_cost=Decimal(cost),
                        validity_period_days=validity,
                    )
                )
        weights = {name: weight for name, _, _, _, weight in CATALOG}
        for package in packages:
            package.weight = weights.get(package.package_name, 3)
        return packages

    def ensure_staff(self, centers):
        """{center id: (staff id, name, role)}: who records each center's rows, and the
        name and role the rows keep of them (audit.services.actor_snapshot)."""
        staff = {}
        for center in centers:
            member = (
                StaffMember.objects.filter(center=center, status="active").order_by("pk").first()
            )
            if member is None:
                member = StaffMember.objects.create(
                    first_name="Load",
                    last_name=f"Worker {center.pk}",
                    email=f"load-worker-{center.pk}-{self.rng.getrandbits(32)}@example.org",
                    role=StaffMember.Role.WORKER,
                    center=center,
                    hire_date=datetime.date(2020, 1, 1),
                )
            staff[center.pk] = (member.pk, *actor_snapshot(member))
        return staff

    # Inserts -------------------------------------------------------------------

    def insert_households(self, rows):
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.batch_size):
                cursor.executemany(
                    HOUSEHOLD_INSERT, [row[:-1] for row in rows[start : start + self.batch_size]]
                )
        self.progress(f"Inserted {len(rows)} households.")

    def insert_log(self, rows):
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.batch_size):
                cursor.executemany(LOG_INSERT, rows[start : start + self.batch_size])
                done = min(start + self.batch_size, len(rows))
                if done % (self.batch_size * 20) == 0 or done == len(rows):
                    self.progress(f"Inserted {done} of {len(rows)} log rows.")

    # Stock ---------------------------------------------------------------------

    def restock(self, stock_events, staff, packages):
        """Deliver, at the start of each month, what the month's distributions take.

        Simulates each inventory row over time so stock never goes below zero, writes
        one restock movement per month (quantity_after as simulated), and sets
        quantity_on_hand so that restocked - distributed + voided balances.
        Some rows end low or empty on purpose, so the stock report has every status.
        """
        epoch = self.window_start
        starts = [
            int((start - epoch).total_seconds() * 1_000_000)
            for start in month_starts(epoch, self.now)
        ]
        keys = sorted(stock_events)
        for center_id, package_id in keys:
            Inventory.objects.get_or_create(center_id=center_id, package_id=package_id)
        inventories = self._lock_inventory(keys)

        movements, updates = [], []
        for key in keys:
            inventory = inventories[key]
            events = sorted(stock_events[key])
            by_month = defaultdict(list)
            for moment, change in events:
                by_month[bisect.bisect_right(starts, moment) - 1].append(change)
            months = sorted(by_month)
            monthly = sum(-change for _, change in events if change < 0) / max(len(months), 1)
            profile = self.rng.random()
            on_hand = inventory.quantity_on_hand
            last_restock = None
            for position, month in enumerate(months):
                running, lowest = on_hand, on_hand
                for change in by_month[month]:
                    running += change
                    lowest = min(lowest, running)
                needed = max(0, -lowest)
                final_month = position == len(months) - 1
                if not final_month or profile < 0.7:
                    buffer = int(monthly * 0.2) + inventory.reorder_level
                elif profile < 0.9:
                    buffer = self.rng.randint(1, max(1, inventory.reorder_level))
                else:
                    buffer = 0
                delivery = needed + buffer
                if delivery > 0:
                    when = epoch + datetime.timedelta(microseconds=starts[month])
                    movements.append(
                        (
                            inventory.pk,
                            delivery,
                            on_hand + delivery,
                            *staff[key[0]],
                            LOAD_NOTE,
                            sql_time(when),
                        )
                    )
                    last_restock = (when.date(), delivery)
                on_hand = running + delivery
            updates.append((inventory, on_hand, last_restock))

        with connection.cursor() as cursor:
            for start in range(0, len(movements), self.batch_size):
                cursor.executemany(MOVEMENT_INSERT, movements[start : start + self.batch_size])
        stamp = timezone.now()
        for inventory, on_hand, last_restock in updates:
            fields = {"quantity_on_hand": on_hand, "updated_at": stamp}
            if last_restock:
                fields["last_restock_date"], fields["last_restock_quantity"] = last_restock
            Inventory.objects.filter(pk=inventory.pk).update(**fields)
            self._follow_with_lots(inventory.pk, on_hand - inventory.quantity_on_hand)
        self.progress(f"Restocked {len(updates)} inventory rows with {len(movements)} deliveries.")
        return len(movements)

    @staticmethod
    def _follow_with_lots(inventory_id, change):
        """Change the row's lots as its units changed (the row is locked): units added
        join its lot without code and expiry, units gone leave first to expire first."""
        if change > 0:
            add_to_lot(inventory_id, quantity=change)
        elif change < 0:
            held = StockLot.objects.filter(inventory_id=inventory_id).on_hand()
            take(fefo_plan(list(held.values_list("pk", "quantity")), -change))

    def _lock_inventory(self, keys):
        wanted = set(keys)
        centers = {center_id for center_id, _ in keys}
        rows = (
            Inventory.objects.select_for_update()
            .filter(center_id__in=centers)
            .order_by("pk")
            .only("pk", "center_id", "package_id", "quantity_on_hand", "reorder_level")
        )
        return {
            (row.center_id, row.package_id): row
            for row in rows
            if (row.center_id, row.package_id) in wanted
        }
