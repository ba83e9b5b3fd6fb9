"""Measure distributions per second: the service, the stored procedure and bare SQL.

Run from the repository root against a MySQL/MariaDB database of its own:

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_bench \\
        .venv/bin/python -m bench.distribution [--seconds 5] [--workers 1,4,16,64] [--lots]

The database is created if it is missing (loopback only) and migrated first;
everything the run creates stays there (the audit log is append-only), so give the
benchmark a database nobody else uses. With the
defaults a run takes about 5 minutes (plus ~25 s the first time, to create the
100,000 benchmark households).

For every scenario and worker count, three paths are measured side by side in
worker processes that each set up Django and open their own connection:

- service:   distribution.services.distribute_package(...)
- procedure: CALL sp_distribute_package(...) and SELECT @status, through a Django
             cursor (skipped with a note if the procedure is not installed)
- bare:      the service's transaction sent by a bare MySQLdb loop without Django,
             with the very SQL text of distribution/statements.py (BEGIN; lock
             household; re-read package, center and staff; eligibility read;
             conditional UPDATE of the inventory row; read the row's unexpired
             lots, take from the first to expire; INSERT log; INSERT the lot take;
             COMMIT): the floor for the service.

Each path gets `--seconds` per cell, cut into `--rounds` slices that alternate
between the paths in a rotating order, so that load from anything else on the
machine falls on all paths alike.

Scenarios: HOT is one inventory row with a huge stock that every worker hits;
SPREAD is 64 inventory rows (8 centers x 8 packages). Each row is one lot without
code or expiry; with --lots it is three lots instead (LOTS: one expired, one that
expires first and holds the stock, one without expiry), so every attempt reads past
an expired lot and takes from the next. Packages have a validity
period of one day and every attempt uses a household not used before with that
package, so every attempt should succeed; each cell gets packages of its own, so
households can be reused between cells. An attempt that does not succeed counts
as an error. After each cell the success rows in the log must equal the successes
the workers counted, and `check_stock` must pass.

Columns: ops/s counts successes; p50/p95 are per-attempt latencies; cpu ms is the
workers' own CPU time per attempt (Python and driver, not the database server);
x bare is ops/s divided by the bare path's ops/s in the same cell.

The target (docs/ARCHITECTURE.md, "Targets"): service >= 0.5 x bare on HOT at 16 workers. The script
reports it and never fails on timing; it exits non-zero only if a check fails.

The worker processes' loops live in bench/distribution_workers.py and the table
and verdict in bench/distribution_report.py; this module is the driver: it builds
the fixtures, runs the cells, checks them and parses the command line.
"""

import argparse
import datetime
import os
import sys
import time
from dataclasses import dataclass
from io import StringIO

from bench.distribution_report import (
    Cell,
    format_load,
    format_progress,
    format_table,
    target_verdict,
)
from bench.distribution_workers import ERROR_SAMPLES, Pool, Target, setup_django
from devtools.load.server import create_database, require_loopback

SCENARIOS = ("hot", "spread")
PATHS = ("service", "procedure", "bare")
DEFAULT_WORKERS = (1, 4, 16, 64)
DEFAULT_SECONDS = 5.0
DEFAULT_ROUNDS = 5
DEFAULT_HOUSEHOLDS = 100_000

SPREAD_CENTERS = 8
SPREAD_PACKAGES = 8
HOT_STOCK = 1_000_000  # the restock service's maximum per call
SPREAD_STOCK = 50_000
BENCH_FAMILY = "Bench"
# --lots: (code, units, expiry in days from today or None) per row, in restock order;
# the middle one gets the scenario's stock.
LOTS = (("EXPIRED", 1_000, -1), ("FIRST", None, 30), ("UNDATED", 1_000, None))


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


def stock_row(center, package, stock, staff, lots):
    """Restock one row: `stock` units without a lot, or the three LOTS."""
    from inventory.lot_models import utc_today
    from inventory.services import restock

    if not lots:
        restock(center=center, package=package, quantity=stock, staff=staff)
        return
    for code, units, days in LOTS:
        expiry = None if days is None else utc_today() + datetime.timedelta(days=days)
        restock(
            center=center,
            package=package,
            quantity=units or stock,
            staff=staff,
            lot_code=code,
            expiry_date=expiry,
        )


def build_targets(world, scenario, label, lots=False):
    """Create the cell's packages and stock them; return its targets and package ids."""
    from inventory.models import AidPackage

    hot = scenario == "hot"
    centers = world.centers[:1] if hot else world.centers
    packages = [
        AidPackage.objects.create(
            package_name=f"Bench {world.tag} {label} #{number}",
            category=AidPackage.Category.FOOD,
            estimated_cost=10,
            validity_period_days=1,
            is_perishable=False,  # rows without --lots hold units without an expiry date
        )
        for number in range(1 if hot else SPREAD_PACKAGES)
    ]
    targets = []
    for center in centers:
        for package in packages:
            stock = HOT_STOCK if hot else SPREAD_STOCK
            stock_row(center, package, stock, world.admin, lots)
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


def measure(pool, world, scenario, workers, paths, seconds, rounds, lots=False):
    """Return one Cell per path, measured in `rounds` alternating slices.

    On a shared machine the load drifts; slicing the paths' time and rotating
    their order makes them see the same conditions, so their ratio is fair.
    """
    from distribution.rules import eligibility_cutoff

    cells, commands, package_ids = {}, {}, {}
    for path in paths:
        cells[path] = Cell(scenario, workers, path)
        label = f"{scenario}-{workers}-{path}"
        targets, package_ids[path] = build_targets(world, scenario, label, lots)
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
        "--lots",
        action="store_true",
        help="stock each row as three lots, one of them expired (LOTS), not one",
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
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("mysql"):
        require_loopback(database_url)
        create_database(database_url)  # if missing, as on a new machine
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
    if arguments.lots:
        print(f"Rows stocked as lots {', '.join(code for code, *_ in LOTS)}.", flush=True)
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
                    pool,
                    world,
                    scenario,
                    workers,
                    paths,
                    arguments.seconds,
                    arguments.rounds,
                    arguments.lots,
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
