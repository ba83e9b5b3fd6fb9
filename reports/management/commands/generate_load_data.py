"""Fill the database with realistic synthetic households, distributions and stock, fast."""

import bisect
import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from distribution.services import FAILURE_MESSAGES
from inventory.models import AidPackage, Inventory
from reports import rollup
from reports.models import RollupBulkLoad

FAMILY_NAMES = (  # noqa: SIM905
    "Abara Adeyemi Ahmadi Akhtar Alvarez Amini Andersen Asante Bakr Banda Barzani Bello "
    "Bianchi Boateng Cabrera Castillo Chowdhury Costa Dahir Delgado Diallo Dlamini Doan "
    "Duarte Ekwueme Farah Fernandes Fofana Garcia Ghani Gomez Gonzalez Guerrero Haddad "
    "Hakimi Hassan Herrera Hoang Hussein Ibrahim Idowu Islam Jaber Jimenez Kamara Kariuki "
    "Karimi Keita Khalil Khan Kipkemboi Kone Kowalski Kumar Lopez Luna Mahmoud Malik "
    "Mansour Martinez Mbeki Medina Mensah Mohammed Molina Morales Moyo Mwangi Nasser "
    "Ndlovu Nguyen Njoroge Novak Nunez Obi Odhiambo Okafor Okonkwo Omar Ortiz Osei Otieno "
    "Pham Popescu Qureshi Rahman Ramirez Rashid Reyes Rodriguez Rojas Saleh Sanchez "
    "Santos Sesay Shah Silva Sow Suarez Tadesse Tesfaye Torres Traore Tran Usman Vargas "
    "Vasquez Wanjiru Yilmaz Yusuf Zapata Zulu"
).split()
GIVEN_NAMES = (  # noqa: SIM905
    "Aisha Amal Ana Bashir Carmen Chinwe Daniel Dina Esther Fatima Grace Hana Ibrahim "
    "Imani Jamal Joseph Kamala Layla Lucia Mariam Maria Mohamed Nadia Nia Omar Pedro "
    "Rania Rosa Samir Sara Thi Tomas Yusuf Zainab"
).split()
STREETS = (  # noqa: SIM905
    "Market Station River Hill Church School Garden Mill Bridge Well Cedar Palm"
).split()
CITIES = (
    ("Springfield", "IL", "62701"),
    ("Riverside", "CA", "92501"),
    ("Fairview", "TN", "37062"),
    ("Greenville", "SC", "29601"),
    ("Franklin", "MA", "02038"),
    ("Clinton", "IA", "52732"),
    ("Madison", "WI", "53703"),
    ("Georgetown", "TX", "78626"),
)
# The catalog created when the database has fewer than MIN_PACKAGES active packages:
# (name, category, estimated cost, validity days, weight of how often it is handed out).
CATALOG = (
    ("Family food basket", "food", "45.00", 30, 10),
    ("Infant nutrition kit", "food", "30.00", 30, 4),
    ("First aid kit", "medical", "25.00", 30, 3),
    ("Shelter kit", "shelter", "120.00", 90, 2),
    ("Hygiene kit", "hygiene", "18.50", 30, 7),
    ("Dignity kit", "hygiene", "15.00", 30, 4),
    ("School kit", "education", "22.00", 60, 3),
    ("Emergency response kit", "emergency", "60.00", 30, 2),
)
MIN_PACKAGES = 6
VISIT_INTERVAL_DAYS = 30
PACKAGES_PER_VISIT = ((1, 0.35), (2, 0.35), (3, 0.2), (4, 0.1))
QUANTITIES = ((1, 0.85), (2, 0.1), (3, 0.05))
HOME_CENTER_SHARE = 0.9
FAILURE_CODES = (("not_eligible", 0.6), ("insufficient_stock", 0.4))
LOAD_NOTE = "Synthetic load data"

LOG_INSERT = (
    "INSERT INTO Distribution_Log (log_id, household_id, package_id, center_id, staff_id, "
    "quantity_distributed, distribution_date, transaction_status, failure_reason, "
    "failure_code, notes, voided_log_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
HOUSEHOLD_INSERT = (
    "INSERT INTO Households (household_id, family_name, primary_contact_name, phone_number, "
    "address, city, state, zip_code, family_size, income_level, priority_level, "
    "registration_date, status, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
MOVEMENT_INSERT = (
    "INSERT INTO Stock_Movements (inventory_id, kind, reason, quantity_change, "
    "quantity_after, staff_id, notes, created_at) "
    "VALUES (%s, 'restock', 'delivery', %s, %s, %s, %s, %s)"
)

# Event kinds, in the order they are applied within one microsecond.
RESTOCK, SUCCESS, VOID, FAILURE = 0, 1, 2, 3


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _sql_time(moment):
    """Format a UTC datetime the way both backends store DATETIME(6)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _month_starts(first, last):
    """Return the first instant (UTC) of every month from `first`'s month to `last`'s."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.datetime(year, month, 1, tzinfo=datetime.UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class Command(BaseCommand):
    help = (
        "Add synthetic households and distribution log rows (successes, failures and "
        "voids over the last --months UTC months) with bulk inserts, plus the restocks "
        "that supply them, so `check_stock` still balances. Households get each package "
        "at most once per validity period. Run it on a database nobody is using: it "
        "writes with explicit ids in one transaction, with the rollup triggers suspended "
        "for that transaction only, and rebuilds the rollups from the log at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--distributions", type=int, default=100_000)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--centers", type=int, default=10)
        parser.add_argument("--failure-rate", type=float, default=0.03)
        parser.add_argument("--void-rate", type=float, default=0.01)
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--with-triggers",
            action="store_true",
            help=(
                "Let the rollup triggers maintain the rollups row by row (slow: about "
                "200 us a log row on MariaDB), instead of suspending them for this "
                "command's transaction and rebuilding the rollups once at the end."
            ),
        )

    def handle(self, **options):
        households, distributions = options["households"], options["distributions"]
        if households < 1 or distributions < 0 or options["months"] < 1:
            raise CommandError("--households and --months must be at least 1.")
        if not 0 <= options["failure_rate"] < 1 or not 0 <= options["void_rate"] < 1:
            raise CommandError("--failure-rate and --void-rate must be from 0 to below 1.")
        self.rng = random.Random(options["seed"])
        self.batch_size = options["batch_size"]
        self.verbose = options["verbosity"] >= 1
        self.started = time.monotonic()
        self.now = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
        self.window_start = _month_starts(
            self.now - datetime.timedelta(days=31 * (options["months"] - 1)), self.now
        )[0]

        try:
            log_rows, counts = self.load(households, distributions, options)
        finally:
            if not options["with_triggers"]:
                self.resume_rollup_triggers()
        successes, failures, voids, household_rows, movements = counts
        self.progress(
            f"Done: {len(household_rows)} households, {len(log_rows)} log rows "
            f"({len(successes)} successes, {len(failures)} failures, {len(voids)} voids), "
            f"{movements} restocks."
        )
        if len(successes) + len(failures) + len(voids) < distributions:
            self.stderr.write(
                "Fewer log rows than asked: the households cannot receive that many "
                "packages within their validity periods. Add --households or --months."
            )

    def load(self, households, distributions, options):
        """Everything in one transaction; return (log_rows, counts)."""
        with transaction.atomic():
            if not options["with_triggers"]:
                self.suspend_rollup_triggers()
            centers = self.ensure_centers(options["centers"])
            packages = self.ensure_packages()
            staff_by_center = self.ensure_staff(centers)
            household_rows = self.plan_households(households, centers)
            successes, failures, voids = self.plan_distributions(
                household_rows,
                centers,
                packages,
                staff_by_center,
                distributions,
                options["failure_rate"],
                options["void_rate"],
            )
            self.insert_households(household_rows)
            log_rows, stock_events = self.number_log_rows(successes, failures, voids)
            self.insert_log(log_rows)
            movements = self.restock(stock_events, staff_by_center, packages)
            if not options["with_triggers"]:
                self.rebuild_rollups()
        return log_rows, (successes, failures, voids, household_rows, movements)

    # Rollups ---------------------------------------------------------------------

    def suspend_rollup_triggers(self):
        """Make the rollup triggers skip this connection's inserts, in this transaction only.

        The mark is a Rollup_Bulk_Load row (what the SQLite triggers look for) and, on
        MySQL/MariaDB, the session variable @aidtracker_rollup_bulk_load set to this
        CONNECTION_ID() (what the MySQL triggers read, without a table access per
        insert). rebuild_rollups() removes both before the commit; on a failure the
        row is rolled back and handle() clears the variable. Other connections never
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

    def progress(self, message):
        if self.verbose:
            self.stdout.write(f"[{time.monotonic() - self.started:7.1f}s] {message}")

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
            staff[center.pk] = member.pk
        return staff

    # Households ----------------------------------------------------------------

    def plan_households(self, count, centers):
        """Return household rows with explicit ids, unique E.164 phones and a home center."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(household_id), 0) FROM Households")
            first_id = cursor.fetchone()[0] + 1
            base = self.rng.randrange(2_000_000_000, 9_000_000_000 - 2 * count)
            cursor.execute(
                "SELECT phone_number FROM Households WHERE phone_number BETWEEN %s AND %s",
                [f"+1{base}", f"+1{base + 2 * count}"],
            )
            taken = {row[0] for row in cursor.fetchall()}
        weights = [self.rng.uniform(0.5, 3) for _ in centers]
        today = self.now.date()
        stamp = _sql_time(self.now)
        rows, number = [], base
        for n in range(count):
            phone = f"+1{number}"
            while phone in taken:
                number += 1
                phone = f"+1{number}"
            number += 1
            family = self.rng.choice(FAMILY_NAMES)
            if self.rng.random() < 0.3:
                family = f"{family}-{self.rng.choice(FAMILY_NAMES)}"
            center = self.rng.choices(centers, weights)[0]
            city, state, zip_code = CITIES[center.pk % len(CITIES)]
            registered = self.window_start.date() - datetime.timedelta(
                days=self.rng.randrange(0, 3 * 365)
            )
            status = _weighted(
                self.rng, (("active", 0.97), ("inactive", 0.02), ("suspended", 0.01))
            )
            rows.append(
                (
                    first_id + n,
                    family,
                    f"{self.rng.choice(GIVEN_NAMES)} {family}",
                    phone,
                    f"{self.rng.randrange(1, 999)} {self.rng.choice(STREETS)} Street",
                    city,
                    state,
                    zip_code,
                    self.rng.randint(1, 9),
                    self.rng.choice(("no_income", "very_low", "low", "moderate")),
                    self.rng.choice(("critical", "high", "medium", "medium", "low")),
                    min(registered, today).isoformat(),
                    status,
                    stamp,
                    stamp,
                    center.pk,  # home center, not a column
                )
            )
        self.progress(f"Planned {count} households.")
        return rows

    def insert_households(self, rows):
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.batch_size):
                cursor.executemany(
                    HOUSEHOLD_INSERT, [row[:-1] for row in rows[start : start + self.batch_size]]
                )
        self.progress(f"Inserted {len(rows)} households.")

    # Distributions -------------------------------------------------------------

    def plan_distributions(
        self, households, centers, packages, staff, total, failure_rate, void_rate
    ):
        """Return (successes, failures, voids) as tuples keyed by microsecond timestamps.

        Active households visit about every VISIT_INTERVAL_DAYS days, mostly at their
        home center, and take a few packages; a package is given only if the
        household's previous one is at least its validity period (UTC days) old.
        """
        rng = self.rng
        wanted = round(total * (1 - failure_rate) / (1 + void_rate))
        wanted_voids = round(wanted * void_rate)
        active = [row for row in households if row[12] == "active"]
        now_us = int((self.now - self.window_start).total_seconds() * 1_000_000)
        cycles = (self.now - self.window_start).days // VISIT_INTERVAL_DAYS + 1
        phases = [rng.randrange(VISIT_INTERVAL_DAYS) for _ in active]
        # Few households for many distributions: every visit takes more packages,
        # and more visits happen, until enough successes fit (or nothing more fits).
        boost, successes = 1.0, []
        for _ in range(6):
            successes = self.plan_successes(
                active, phases, cycles, centers, packages, staff, wanted, boost, now_us
            )
            if len(successes) >= wanted:
                break
            boost *= 1.1 * wanted / max(len(successes), 1)
        if len(successes) > wanted:
            keep = sorted(rng.sample(range(len(successes)), wanted))
            successes = [successes[i] for i in keep]

        voids = []
        for index in rng.sample(range(len(successes)), min(wanted_voids, len(successes))):
            moment = successes[index][0]
            delay = rng.randrange(600, 3 * 86_400) * 1_000_000
            voids.append((min(moment + delay, now_us - 1), index))
        voids = [(moment, index) for moment, index in voids if moment > successes[index][0]]

        failures = []
        short = len(successes) < wanted
        for _ in range(round(total * failure_rate) if short else total - wanted - len(voids)):
            household = rng.choice(households)
            center = rng.choice(centers)
            failures.append(
                (
                    rng.randrange(0, now_us),
                    household[0],
                    rng.choice(packages).pk,
                    center.pk,
                    staff[center.pk],
                    _weighted(rng, FAILURE_CODES),
                )
            )
        self.progress(
            f"Planned {len(successes)} successes, {len(failures)} failures, {len(voids)} voids."
        )
        return successes, failures, voids

    def plan_successes(
        self, active, phases, cycles, centers, packages, staff, wanted, boost, now_us
    ):
        """Pick visits (household, cycle) and the packages each one receives."""
        rng = self.rng
        mean_packages = sum(k * p for k, p in PACKAGES_PER_VISIT)
        slots = len(active) * cycles
        visits = wanted * boost / mean_packages * 1.15
        sample = min(slots, int(visits) + 1)
        per_visit = max(1.0, visits / max(slots, 1))  # when every slot is a visit already
        chosen = sorted(rng.sample(range(slots), sample)) if sample else []
        successes, previous, last_given = [], None, {}
        for slot in chosen:
            index, cycle = divmod(slot, cycles)
            if index != previous:
                previous, last_given = index, {}
            day = phases[index] + cycle * VISIT_INTERVAL_DAYS + rng.randint(0, 2)
            moment = (day * 86_400 + rng.randrange(8 * 3600, 17 * 3600)) * 1_000_000
            moment += rng.randrange(1_000_000)
            if moment >= now_us:
                continue
            household = active[index]
            center_id = household[-1]  # the home center, mostly
            if rng.random() >= HOME_CENTER_SHARE:
                center_id = rng.choice(centers).pk
            eligible = [
                package
                for package in packages
                if last_given.get(package.pk) is None
                or day - last_given[package.pk] >= package.validity_period_days
            ]
            how_many = int(_weighted(rng, PACKAGES_PER_VISIT) * per_visit + rng.random())
            # Weighted sampling without replacement: the largest random() ** (1 / weight).
            eligible.sort(key=lambda package: -(rng.random() ** (1 / package.weight)))
            for offset, package in enumerate(eligible[:how_many], start=1):
                last_given[package.pk] = day
                successes.append(
                    (
                        moment + offset,
                        household[0],
                        package.pk,
                        center_id,
                        staff[center_id],
                        _weighted(rng, QUANTITIES),
                    )
                )
        return successes

    def number_log_rows(self, successes, failures, voids):
        """Order every attempt by time, give it a log id, and return rows and stock events."""
        epoch = self.window_start
        events = [(row[0], SUCCESS, index) for index, row in enumerate(successes)]
        events += [(moment, VOID, index) for moment, index in voids]
        events += [(row[0], FAILURE, index) for index, row in enumerate(failures)]
        events.sort()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(log_id), 0) FROM Distribution_Log")
            next_id = cursor.fetchone()[0] + 1
        success_ids = {}
        rows, stock_events = [], defaultdict(list)
        for moment, kind, index in events:
            stamp = _sql_time(epoch + datetime.timedelta(microseconds=moment))
            if kind == FAILURE:
                _, household_id, package_id, center_id, staff_id, code = failures[index]
                rows.append(
                    (
                        next_id,
                        household_id,
                        package_id,
                        center_id,
                        staff_id,
                        1,
                        stamp,
                        "failed",
                        FAILURE_MESSAGES[code],
                        code,
                        LOAD_NOTE,
                        None,
                    )
                )
            else:
                _, household_id, package_id, center_id, staff_id, quantity = successes[index]
                if kind == SUCCESS:
                    success_ids[index] = next_id
                    status, voided, change = "success", None, -quantity
                else:
                    status, voided, change = "cancelled", success_ids[index], quantity
                rows.append(
                    (
                        next_id,
                        household_id,
                        package_id,
                        center_id,
                        staff_id,
                        quantity,
                        stamp,
                        status,
                        None,
                        None,
                        LOAD_NOTE,
                        voided,
                    )
                )
                stock_events[center_id, package_id].append((moment, change))
            next_id += 1
        return rows, stock_events

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
        month_starts = [
            int((start - epoch).total_seconds() * 1_000_000)
            for start in _month_starts(epoch, self.now)
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
                by_month[bisect.bisect_right(month_starts, moment) - 1].append(change)
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
                    when = epoch + datetime.timedelta(microseconds=month_starts[month])
                    movements.append(
                        (
                            inventory.pk,
                            delivery,
                            on_hand + delivery,
                            staff[key[0]],
                            LOAD_NOTE,
                            _sql_time(when),
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
        self.progress(f"Restocked {len(updates)} inventory rows with {len(movements)} deliveries.")
        return len(movements)

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
