"""Measure distributions per second: the service, the stored procedure and bare SQL.

Run from the repository root against a MySQL/MariaDB database of its own:

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_bench \\
        .venv/bin/python -m bench.distribution [--seconds 5] [--workers 1,4,16,64]

The database is migrated first; everything the run creates stays there (the audit
log is append-only), so give the benchmark a database nobody else uses. With the
defaults a run takes about 5 minutes (plus ~25 s the first time, to create the
100,000 benchmark households).

For every scenario and worker count, three paths are measured side by side in
worker processes that each set up Django and open their own connection:

- service:   distribution.services.distribute_package(...)
- procedure: CALL sp_distribute_package(...) and SELECT @status, through a Django
             cursor (skipped with a note if the procedure is not installed)
- bare:      the service's transaction sent by a bare MySQLdb loop without Django,
             with the very SQL text of distribution/statements.py (BEGIN; lock
             household; eligibility read; conditional UPDATE of the inventory
             row; INSERT log; COMMIT): the floor for the service.

Each path gets `--seconds` per cell, cut into `--rounds` slices that alternate
between the paths in a rotating order, so that load from anything else on the
machine falls on all paths alike.

Scenarios: HOT is one inventory row with a huge stock that every worker hits;
SPREAD is 64 inventory rows (8 centers x 8 packages). Packages have a validity
period of one day and every attempt uses a household not used before with that
package, so every attempt should succeed; each cell gets packages of its own, so
households can be reused between cells. An attempt that does not succeed counts
as an error. After each cell the success rows in the log must equal the successes
the workers counted, and `check_stock` must pass.

Columns: ops/s counts successes; p50/p95 are per-attempt latencies; cpu ms is the
workers' own CPU time per attempt (Python and driver, not the database server);
x bare is ops/s divided by the bare path's ops/s in the same cell.

The target (DESIGN.md): service >= 0.5 x bare on HOT at 16 workers. The script
reports it and never fails on timing; it exits non-zero only if a check fails.
"""

import argparse
import datetime
import multiprocessing
import os
import random
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from io import StringIO

SCENARIOS = ("hot", "spread")
PATHS = ("service", "procedure", "bare")
DEFAULT_WORKERS = (1, 4, 16, 64)
DEFAULT_SECONDS = 5.0
DEFAULT_ROUNDS = 5
DEFAULT_HOUSEHOLDS = 100_000
TARGET_SCENARIO, TARGET_WORKERS, TARGET_RATIO = "hot", 16, 0.5

SPREAD_CENTERS = 8
SPREAD_PACKAGES = 8
HOT_STOCK = 1_000_000  # the restock service's maximum per call
SPREAD_STOCK = 50_000
BENCH_FAMILY = "Bench"
ERROR_SAMPLES = 3

CALL_SQL = "CALL sp_distribute_package(%s, %s, %s, %s, 1, @log_id, @status, @reason)"


def setup_django():
    """Configure Django for this process; the benchmark always runs with DEBUG off."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
    os.environ["DEBUG"] = "false"  # DEBUG records every query in memory
    # The service logs one INFO line per attempt; printing 10^5 of them would
    # measure the terminal. LOG_LEVEL=INFO puts them back.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


@dataclass(frozen=True)
class Target:
    """One inventory row a worker distributes from, and the staff member who records it."""

    center_id: int
    package_id: int
    staff_id: int


@dataclass
class Cell:
    scenario: str
    workers: int
    path: str
    successes: int = 0
    errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0
    latencies: list = field(default_factory=list)
    error_samples: list = field(default_factory=list)
    exhausted: bool = False
    log_ok: bool = True
    stock_ok: bool = True
    skipped: str = ""

    @property
    def ops_per_second(self):
        return self.successes / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms_per_op(self):
        """Worker (client) CPU per attempt: Python and driver, not the database server."""
        attempts = self.successes + self.errors
        return 1000 * self.client_cpu / attempts if attempts else 0.0

    def latency_ms(self, quantile):
        if len(self.latencies) < 2:
            return 1000 * self.latencies[0] if self.latencies else 0.0
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return 1000 * cuts[quantile - 1]


# --- worker processes -------------------------------------------------------------


def worker_main(index, household_ids, commands, results):
    """Serve slices until told to stop: prepare, report ready, run from the start signal.

    Each cell walks its own share of the households, continuing where its
    previous slice stopped, so no household is used twice with a cell's packages.
    """
    setup_django()
    remaining = {}
    while True:
        command = commands.get()
        if command is None:
            return
        try:
            operation, close = prepare(command)
        except Exception:
            results.put((index, {"crash": traceback.format_exc()}))
            continue
        results.put((index, "ready"))
        start_at = commands.get()
        if start_at is None:  # another worker could not prepare: the slice is off
            close()
            continue
        households = remaining.setdefault(
            command["cell"], iter(household_ids[index :: command["workers"]])
        )
        try:
            outcome = run(operation, households, command, start_at)
        except Exception:
            outcome = {"crash": traceback.format_exc()}
        finally:
            close()
        results.put((index, outcome))


def prepare(command):
    """Return (operation, close): operation(household_id, target) -> None or an error."""
    path = command["path"]
    if path == "service":
        return prepare_service(command["targets"])
    if path == "procedure":
        return prepare_procedure()
    return prepare_bare(command["cutoff"])


def prepare_service(targets):
    from django.db import connection

    from centers.models import DistributionCenter, StaffMember
    from distribution.services import DistributionRefused, distribute_package
    from households.models import Household
    from inventory.models import AidPackage

    centers = DistributionCenter.objects.in_bulk({t.center_id for t in targets})
    packages = AidPackage.objects.in_bulk({t.package_id for t in targets})
    staff = StaffMember.objects.in_bulk({t.staff_id for t in targets})

    def distribute(household_id, target):
        try:
            distribute_package(
                # The service reads only the household's pk; loading the row is
                # the caller's query (a view's get_object_or_404), not the service's.
                household=Household(pk=household_id),
                package=packages[target.package_id],
                center=centers[target.center_id],
                staff=staff[target.staff_id],
            )
        except DistributionRefused as refused:
            return refused.code
        return None

    return distribute, connection.close


def prepare_procedure():
    from django.db import connection

    cursor = connection.cursor()

    def call(household_id, target):
        cursor.execute(
            CALL_SQL, [household_id, target.package_id, target.center_id, target.staff_id]
        )
        cursor.execute("SELECT @status")
        (status,) = cursor.fetchone()
        return None if status == "success" else status

    def close():
        cursor.close()
        connection.close()

    return call, close


def bare_connection():
    import MySQLdb
    from django.conf import settings

    database = settings.DATABASES["default"]
    connection = MySQLdb.connect(
        host=database["HOST"] or "localhost",
        port=int(database["PORT"] or 3306),
        user=database["USER"],
        password=database["PASSWORD"],
        database=database["NAME"],
        charset="utf8mb4",
        autocommit=True,
    )
    with connection.cursor() as cursor:
        # What Django's backend sets on every connection.
        cursor.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return connection


def prepare_bare(cutoff):
    from distribution.statements import statements_for

    sql = statements_for("mysql")
    connection = bare_connection()
    cursor = connection.cursor()

    def transaction(household_id, target):
        try:
            cursor.execute("BEGIN")
            cursor.execute(sql.lock_household, (household_id,))
            (status,) = cursor.fetchone()
            cursor.execute(sql.blocking_success, (household_id, target.package_id, cutoff))
            if status != "active" or cursor.fetchone() is not None:
                cursor.execute("ROLLBACK")
                return "refused"
            now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
            cursor.execute(sql.take_stock, (1, now, target.center_id, target.package_id, 1))
            if cursor.rowcount != 1:
                cursor.execute("ROLLBACK")
                return "refused"
            ids = (household_id, target.package_id, target.center_id, target.staff_id)
            cursor.execute(sql.insert_log, (*ids, 1, now, "success", None, None, None))
            cursor.execute("COMMIT")
        except Exception:
            connection.rollback()
            raise
        return None

    def close():
        cursor.close()
        connection.close()

    return transaction, close


def run(operation, households, command, start_at):
    """Run operations from start_at for the slice's seconds, one fresh household each."""
    targets = command["targets"]
    rng = random.Random()
    latencies = []
    errors = 0
    samples = []
    exhausted = False
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    stop_at = start_at + command["seconds"]
    cpu_started = time.process_time()
    now = time.monotonic()
    while now < stop_at:
        household_id = next(households, None)
        if household_id is None:
            exhausted = True
            break
        target = targets[rng.randrange(len(targets))]
        try:
            error = operation(household_id, target)
        except Exception as exception:
            error = f"{type(exception).__name__}: {exception}"[:200]
        finished = time.monotonic()
        latencies.append(finished - now)
        if error is not None:
            errors += 1
            if len(samples) < ERROR_SAMPLES:
                samples.append(error)
        now = finished
    return {
        "cpu": time.process_time() - cpu_started,
        "attempts": len(latencies),
        "errors": errors,
        "error_samples": samples,
        "latencies": latencies,
        "finished_at": now,
        "exhausted": exhausted,
    }


# --- the coordinating process ------------------------------------------------------


class Pool:
    """Long-lived worker processes (spawned, so each sets up Django on its own)."""

    def __init__(self, size, household_ids):
        context = multiprocessing.get_context("spawn")
        self.results = context.Queue()
        self.commands = [context.Queue() for _ in range(size)]
        self.processes = [
            context.Process(
                target=worker_main,
                args=(index, household_ids, self.commands[index], self.results),
                daemon=True,
            )
            for index in range(size)
        ]
        for process in self.processes:
            process.start()

    def run_cell(self, command):
        workers = command["workers"]
        for queue in self.commands[:workers]:
            queue.put(command)
        replies = self._collect(workers)
        crashes = [reply["crash"] for reply in replies if isinstance(reply, dict)]
        if crashes:
            for index, reply in enumerate(replies):
                if reply == "ready":
                    self.commands[index].put(None)
            raise RuntimeError(f"A worker could not prepare:\n{crashes[0]}")
        start_at = time.monotonic() + 0.2
        for queue in self.commands[:workers]:
            queue.put(start_at)
        outcomes = self._collect(workers)
        crashes = [outcome["crash"] for outcome in outcomes if "crash" in outcome]
        if crashes:
            raise RuntimeError(f"A worker crashed:\n{crashes[0]}")
        return start_at, outcomes

    def _collect(self, count):
        replies = [None] * count
        for _ in range(count):
            index, reply = self.results.get()
            replies[index] = reply
        return replies

    def stop(self):
        for queue in self.commands:
            queue.put(None)
        for process in self.processes:
            process.join(10)


@dataclass
class World:
    centers: list
    workers_by_center: dict
    admin: object
    tag: str


def procedure_installed():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = DATABASE() "
            "AND routine_type = 'PROCEDURE' AND routine_name = 'sp_distribute_package'"
        )
        return cursor.fetchone()[0] == 1


def ensure_households(count):
    """Return the ids of `count` benchmark households, creating the missing ones."""
    from households.models import Household

    bench = Household.objects.filter(family_name=BENCH_FAMILY)
    existing = bench.count()
    if existing < count:
        today = datetime.date.today()
        Household.objects.bulk_create(
            (
                Household(
                    family_name=BENCH_FAMILY,
                    primary_contact_name=f"Bench Contact {number}",
                    phone_number=f"+1999{number:07d}",
                    address=f"{number} Bench Road",
                    city="Benchville",
                    state="IL",
                    zip_code="62701",
                    family_size=4,
                    income_level=Household.IncomeLevel.LOW,
                    registration_date=today,
                )
                for number in range(existing, count)
            ),
            batch_size=5000,
        )
    return list(bench.order_by("pk").values_list("pk", flat=True)[:count])


def build_world():
    """Create this run's centers and staff (one worker per center, one admin)."""
    from centers.models import DistributionCenter, StaffMember

    tag = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    centers = [
        DistributionCenter.objects.create(
            center_name=f"Bench {tag} #{number}",
            address=f"{number} Bench Road",
            city="Benchville",
            state="IL",
            zip_code="62701",
        )
        for number in range(SPREAD_CENTERS)
    ]

    def staff(role, center, name):
        return StaffMember.objects.create(
            first_name="Bench",
            last_name=name,
            email=f"bench-{tag}-{name}@example.org",
            role=role,
            center=center,
            hire_date=datetime.date.today(),
        )

    admin = staff(StaffMember.Role.ADMIN, centers[0], "admin")
    workers = {
        center.pk: staff(StaffMember.Role.WORKER, center, f"worker{number}")
        for number, center in enumerate(centers)
    }
    return World(centers=centers, workers_by_center=workers, admin=admin, tag=tag)


def build_targets(world, scenario, label):
    """Create the cell's packages and stock them; return its targets and package ids."""
    from inventory.models import AidPackage
    from inventory.services import restock

    hot = scenario == "hot"
    centers = world.centers[:1] if hot else world.centers
    packages = [
        AidPackage.objects.create(
            package_name=f"Bench {world.tag} {label} #{number}",
            category=AidPackage.Category.FOOD,
            estimated_cost=10,
            validity_period_days=1,
        )
        for number in range(1 if hot else SPREAD_PACKAGES)
    ]
    targets = []
    for center in centers:
        for package in packages:
            restock(
                center=center,
                package=package,
                quantity=HOT_STOCK if hot else SPREAD_STOCK,
                staff=world.admin,
            )
            targets.append(Target(center.pk, package.pk, world.workers_by_center[center.pk].pk))
    return targets, [package.pk for package in packages]


def verify(cell, package_ids):
    """Compare the log with the workers' count, and check stock conservation."""
    from django.core.management import CommandError, call_command

    from distribution.models import DistributionLog

    logged = DistributionLog.objects.filter(
        package_id__in=package_ids, transaction_status=DistributionLog.Status.SUCCESS
    ).count()
    cell.log_ok = logged == cell.successes
    if not cell.log_ok:
        cell.error_samples.append(f"{logged} success rows logged, workers counted {cell.successes}")
    try:
        call_command("check_stock", stdout=StringIO())
    except CommandError as error:
        cell.stock_ok = False
        cell.error_samples.append(f"check_stock: {error}")


def measure(pool, world, scenario, workers, paths, seconds, rounds):
    """Return one Cell per path, measured in `rounds` alternating slices.

    On a shared machine the load drifts; slicing the paths' time and rotating
    their order makes them see the same conditions, so their ratio is fair.
    """
    from distribution.services import eligibility_cutoff

    cells, commands, package_ids = {}, {}, {}
    for path in paths:
        cells[path] = Cell(scenario, workers, path)
        label = f"{scenario}-{workers}-{path}"
        targets, package_ids[path] = build_targets(world, scenario, label)
        commands[path] = {
            "cell": label,
            "path": path,
            "workers": workers,
            "targets": targets,
            "seconds": seconds / rounds,
            "cutoff": eligibility_cutoff(1).replace(tzinfo=None),
        }
    for turn in range(rounds):
        for path in paths[turn % len(paths) :] + paths[: turn % len(paths)]:
            cell = cells[path]
            start_at, outcomes = pool.run_cell(commands[path])
            for outcome in outcomes:
                cell.successes += outcome["attempts"] - outcome["errors"]
                cell.errors += outcome["errors"]
                cell.client_cpu += outcome["cpu"]
                cell.latencies += outcome["latencies"]
                cell.exhausted |= outcome["exhausted"]
                room = ERROR_SAMPLES - len(cell.error_samples)
                cell.error_samples += outcome["error_samples"][:room]
            cell.elapsed += max(outcome["finished_at"] for outcome in outcomes) - start_at
    for path in paths:
        verify(cells[path], package_ids[path])
    return [cells[path] for path in paths]


def format_load():
    """Return the 1/5/15-minute load averages: other work on the machine skews results."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def format_progress(cell):
    if cell.skipped:
        return f"{cell.scenario:<6} {cell.workers:>3} workers {cell.path:<9} skipped"
    line = (
        f"{cell.scenario:<6} {cell.workers:>3} workers {cell.path:<9} "
        f"{cell.ops_per_second:8.0f} ops/s  errors {cell.errors}"
    )
    return line + (f"  e.g. {cell.error_samples}" if cell.error_samples else "")


def format_table(cells):
    header = (
        f"{'scenario':<8} {'workers':>7} {'path':<9} {'ops/s':>8} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'cpu ms':>6} {'errors':>6} {'x bare':>6}  checks"
    )
    lines = [header, "-" * len(header)]
    bare = {(c.scenario, c.workers): c for c in cells if c.path == "bare" and not c.skipped}
    for cell in cells:
        if cell.skipped:
            lines.append(
                f"{cell.scenario:<8} {cell.workers:>7} {cell.path:<9} skipped: {cell.skipped}"
            )
            continue
        floor = bare.get((cell.scenario, cell.workers))
        ratio = (
            f"{cell.ops_per_second / floor.ops_per_second:6.2f}"
            if floor and floor.ops_per_second and cell.path != "bare"
            else ""
        )
        checks = "ok" if cell.log_ok and cell.stock_ok else "FAILED"
        if cell.exhausted:
            checks += " (households ran out)"
        lines.append(
            f"{cell.scenario:<8} {cell.workers:>7} {cell.path:<9} {cell.ops_per_second:8.0f} "
            f"{cell.latency_ms(50):7.1f} {cell.latency_ms(95):7.1f} {cell.cpu_ms_per_op:6.2f} "
            f"{cell.errors:>6} "
            f"{ratio:>6}  {checks}"
        )
    return "\n".join(lines)


def target_verdict(cells):
    found = {
        cell.path: cell
        for cell in cells
        if (cell.scenario, cell.workers) == (TARGET_SCENARIO, TARGET_WORKERS) and not cell.skipped
    }
    if "service" not in found or "bare" not in found:
        return "Target not measured in this run (needs hot, 16 workers, service and bare)."
    ratio = found["service"].ops_per_second / found["bare"].ops_per_second
    verdict = "MET" if ratio >= TARGET_RATIO else "MISSED"
    return (
        f"Target: service >= {TARGET_RATIO} x bare on {TARGET_SCENARIO} at {TARGET_WORKERS} "
        f"workers: {ratio:.2f} x -> {verdict}"
    )


def parse_arguments(argv):
    def names(allowed):
        def parse(text):
            chosen = [name.strip() for name in text.split(",") if name.strip()]
            unknown = set(chosen) - set(allowed)
            if unknown or not chosen:
                raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
            return chosen

        return parse

    def counts(text):
        try:
            chosen = [int(part) for part in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError("a comma-separated list like 1,4,16,64") from None
        if not chosen or min(chosen) < 1:
            raise argparse.ArgumentTypeError("worker counts must be 1 or more")
        return chosen

    parser = argparse.ArgumentParser(
        prog="python -m bench.distribution",
        description="Distributions/second: service vs stored procedure vs bare SQL.",
    )
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="per cell")
    parser.add_argument("--workers", type=counts, default=list(DEFAULT_WORKERS))
    parser.add_argument("--scenarios", type=names(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--paths", type=names(PATHS), default=list(PATHS))
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help="alternating slices per cell (its seconds are split between them)",
    )
    parser.add_argument(
        "--households",
        type=int,
        default=DEFAULT_HOUSEHOLDS,
        help="pool size; every attempt in a cell uses a different household",
    )
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "mysql":
        sys.exit(
            "The benchmark needs MySQL/MariaDB: set DATABASE_URL, e.g. "
            "DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_bench"
        )
    began = time.monotonic()
    print(f"Load average before: {format_load()}", flush=True)
    print(f"Database {connection.settings_dict['NAME']}: migrating...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    paths = list(arguments.paths)
    skipped_procedure = ""
    if "procedure" in paths and not procedure_installed():
        paths.remove("procedure")
        skipped_procedure = "sp_distribute_package is not installed (migration missing)"
    household_ids = ensure_households(arguments.households)
    world = build_world()
    pool_size = max(arguments.workers)
    print(f"Starting {pool_size} worker processes...", flush=True)
    pool = Pool(pool_size, household_ids)
    cells = []
    try:
        for scenario in arguments.scenarios:
            for workers in arguments.workers:
                measured = measure(
                    pool, world, scenario, workers, paths, arguments.seconds, arguments.rounds
                )
                if skipped_procedure:
                    measured.insert(
                        arguments.paths.index("procedure"),
                        Cell(scenario, workers, "procedure", skipped=skipped_procedure),
                    )
                cells += measured
                for cell in measured:
                    print(f"  {format_progress(cell)}", flush=True)
    finally:
        pool.stop()
    print()
    print(format_table(cells))
    print()
    print(target_verdict(cells))
    print(f"Total run time {time.monotonic() - began:.0f} s; load average after: {format_load()}")
    failed = [cell for cell in cells if not (cell.log_ok and cell.stock_ok)]
    if failed:
        sys.exit(f"{len(failed)} cell(s) failed the log or stock checks.")


if __name__ == "__main__":
    main()
