"""The worker side of `python -m bench.distribution`: the loops each worker process runs.

Kept apart from the driver (bench/distribution.py) because this code runs in the
spawned worker processes, not the coordinating one: the three measured paths
(service, procedure, bare), the timed loop, and the Pool that starts the workers
and speaks their queue protocol. It imports nothing from the driver.
"""

import datetime
import multiprocessing
import os
import random
import time
import traceback
from dataclasses import dataclass

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
    return prepare_bare(command["cutoff"], command["targets"])


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


def prepare_bare(cutoff, targets):
    from audit.services import actor_snapshot
    from centers.models import StaffMember
    from distribution.statements import statements_for
    from inventory.lots import fefo_plan

    sql = statements_for("mysql")
    # Each row keeps its staff member's name and role: read once here, as the service
    # has its staff member in hand and reads nothing more per attempt.
    snapshots = {
        pk: actor_snapshot(member)
        for pk, member in StaffMember.objects.in_bulk({t.staff_id for t in targets}).items()
    }
    connection = bare_connection()
    cursor = connection.cursor()

    def transaction(household_id, target):
        try:
            cursor.execute("BEGIN")
            cursor.execute(sql.lock_household, (household_id,))
            (status,) = cursor.fetchone()
            facts = (target.staff_id, target.package_id, target.center_id)
            cursor.execute(sql.read_facts, facts)  # package, center, staff as they are now
            package_active, *_ = cursor.fetchone()
            cursor.execute(sql.blocking_success, (household_id, target.package_id, cutoff))
            if status != "active" or not package_active or cursor.fetchone() is not None:
                cursor.execute("ROLLBACK")
                return "refused"
            now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
            cursor.execute(sql.take_stock, (1, now, target.center_id, target.package_id, 1))
            if cursor.rowcount != 1:
                cursor.execute("ROLLBACK")
                return "refused"
            cursor.execute(sql.usable_lots, (target.center_id, target.package_id, now.date()))
            plan = fefo_plan(cursor.fetchall(), 1)
            if plan is None:
                cursor.execute("ROLLBACK")
                return "refused"
            for lot_id, units in plan:
                cursor.execute(sql.take_from_lot, (units, lot_id))
            staff = (target.staff_id, *snapshots[target.staff_id])
            ids = (household_id, target.package_id, target.center_id, *staff)
            cursor.execute(sql.insert_log, (*ids, 1, now, "success", None, None, None, None, None))
            log_id = cursor.lastrowid
            cursor.executemany(sql.insert_lot_take, [(log_id, *take) for take in plan])
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
