"""Measure bulk registration: `import_households` of a large file into a large registry,
and the possible-duplicate scan of the whole registry.

Run from the repository root against a MySQL/MariaDB database filled with
`generate_load_data` (1,000,000 households for the target):

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_importbench \\
        flock /tmp/aidtracker-bench.lock .venv/bin/python -m bench.imports [--rows 100000]

The file has `--rows` rows: 1% errors (a family size of 0, an impossible phone
number, a date in the future, in turn), 2% exact duplicates of registered households
(their phone number written in another spelling), the rest new families with names,
addresses and cities like the registry's. The import runs in this process through
`manage.py import_households` (the same code the portal's worker runs), timed, with
its peak memory; the households it registered are deleted afterwards, so the
benchmark can run again on the same registry. Then `find_duplicates --dry-run`
scans the registry, timed, with its peak memory. Target (docs/ARCHITECTURE.md,
"Targets"): the import of 100,000 rows into 1,000,000 under 60 s, duplicate checks
included. It reports; it never fails on timing.

The import's phases are timed by wrapping the functions that do them (see `PHASES`):
wall seconds, and this process's CPU seconds (the worker processes that check the
rows are not in it). The load average is printed before and after: the machine may
be shared, and the figures move with it.
"""

import argparse
import contextlib
import csv
import datetime
import functools
import io
import os
import random
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

TARGET_SECONDS = 60
# (module, function, what it does) of the import's phases, as timed.
PHASES = (
    ("households.imports", "registry_neighbours", "read the registry for the match"),
    ("households.imports", "_with_possible_duplicates", "judge the new rows' matches"),
    ("households.imports", "_write_batch", "write the batches, of which:"),
    ("households.services", "insert_all", "  INSERT the households"),
    ("households.history", "record_registrations", "  INSERT their history"),
)
PHONE_BASE = 9_100_000_000  # +1 910..., above the range generate_load_data draws from


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def registered_sample(rng, count):
    """(phone, family name, contact, address, city, state, zip) of `count` households."""
    from households.models import Household

    high = Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picks = sorted(rng.sample(range(1, high + 1), min(count * 2, high)))
    fields = ("phone_number", "family_name", "primary_contact_name", "address", "city")
    rows = list(Household.objects.filter(pk__in=picks).values_list(*fields)[:count])
    rng.shuffle(rows)
    return rows


def write_file(path, rows, rng):
    """The benchmark's file; returns how many rows of each kind it has."""
    from devtools.loadgen.data import CITIES, FAMILY_NAMES, GIVEN_NAMES, STREETS
    from households.import_files import COLUMNS

    duplicates = registered_sample(rng, rows * 2 // 100)
    kinds = {"new": 0, "duplicate": 0, "error": 0}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    bad = [("family_size", "0"), ("phone_number", "12"), ("registration_date", "2999-01-01")]
    for n in range(rows):
        family = rng.choice(FAMILY_NAMES)
        city, state, zip_code = rng.choice(CITIES)
        row = {
            "family_name": family,
            "primary_contact_name": f"{rng.choice(GIVEN_NAMES)} {family}",
            "phone_number": f"+1{PHONE_BASE + n}",
            "email": "",
            "address": f"{rng.randrange(1, 999)} {rng.choice(STREETS)} Street",
            "city": city,
            "state": state,
            "zip_code": zip_code,
            "family_size": str(rng.randint(1, 9)),
            "income_level": rng.choice(("no_income", "very_low", "low", "moderate")),
            "priority_level": rng.choice(("critical", "high", "medium", "low")),
            "registration_date": "2026-06-01",
            "last_verified_date": "",
            "notes": "",
        }
        if n % 100 == 50:
            field, value = bad[(n // 100) % len(bad)]
            row[field] = value
            kinds["error"] += 1
        elif n % 50 == 25 and duplicates:
            phone, family, contact, address, city = duplicates.pop()
            digits = phone.removeprefix("+1")
            row.update(
                phone_number=f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
                family_name=family,
                primary_contact_name=contact,
                address=address,
                city=city,
            )
            kinds["duplicate"] += 1
        else:
            kinds["new"] += 1
        writer.writerow([row.get(column, "") for column in COLUMNS])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return kinds


def importer():
    """A manager to register the file as (created once, kept)."""
    from django.contrib.auth import get_user_model

    from centers.models import DistributionCenter, StaffMember

    user, _ = get_user_model().objects.get_or_create(username="bench-importer")
    staff = getattr(user, "staff_member", None)
    if staff is None:
        staff = StaffMember.objects.create(
            user=user,
            first_name="Bench",
            last_name="Importer",
            email="bench-importer@example.org",
            hire_date=datetime.date(2026, 1, 1),
            role=StaffMember.Role.MANAGER,
            center=DistributionCenter.objects.order_by("pk").first(),
        )
    return user.username


# The history's append-only triggers refuse the clean-up's DELETE; it lifts these two
# for its own statements and re-creates them as they were.
HISTORY_TRIGGERS = ("trg_household_change_values_no_delete", "trg_household_changes_no_delete")


@contextmanager
def history_deletable(cursor):
    """Drop the history tables' no-delete triggers for the block, then re-create them."""
    from devtools.triggers import WITHOUT_DEFINER

    saved = []
    for name in HISTORY_TRIGGERS:
        cursor.execute(f"SHOW CREATE TRIGGER `{name}`")
        saved.append(WITHOUT_DEFINER.sub("CREATE TRIGGER", cursor.fetchone()[2], 1))
        cursor.execute(f"DROP TRIGGER `{name}`")
    try:
        yield
    finally:
        for statement in saved:
            cursor.execute(statement)


def clean_up():
    """Delete what earlier runs registered (their phone numbers are the benchmark's),
    with their history and possible-duplicate pairs."""
    from django.db import connection

    from households.models import Household

    low, high = f"+1{PHONE_BASE}", f"+1{PHONE_BASE + 10_000_000}"
    ids = list(
        Household.objects.filter(phone_number__range=(low, high)).values_list("pk", flat=True)
    )
    with connection.cursor() as cursor, history_deletable(cursor):
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM Possible_Duplicates WHERE household_a_id IN ({marks}) "
                f"OR household_b_id IN ({marks})",
                chunk + chunk,
            )
            for table in ("Household_Change_Values", "Household_Changes"):
                cursor.execute(f"DELETE FROM {table} WHERE household_id IN ({marks})", chunk)
            cursor.execute(f"DELETE FROM Households WHERE household_id IN ({marks})", chunk)
    return len(ids)


class PhaseTimer:
    """Wall and CPU seconds spent in each of PHASES, and waiting for the row checks."""

    def __init__(self):
        self.wall, self.cpu = {}, {}

    def add(self, label, wall, cpu):
        self.wall[label] = self.wall.get(label, 0.0) + time.perf_counter() - wall
        self.cpu[label] = self.cpu.get(label, 0.0) + time.process_time() - cpu

    def wrap(self, function, label):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(label, wall, cpu)

        return timed

    def waiting(self, iterator, label):
        """Time spent in `next()` on `iterator`: waiting for the worker processes."""
        while True:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.add(label, wall, cpu)
            yield item

    @contextlib.contextmanager
    def installed(self):
        """Wrap the PHASES' functions (and the row checks) for the block."""
        import importlib

        from households import imports

        saved = []
        for module_name, name, label in PHASES:
            module = importlib.import_module(module_name)
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, self.wrap(getattr(module, name), label))
        form_checks = imports._form_checks

        @contextlib.contextmanager
        def timed_form_checks(rows):
            with form_checks(rows) as checks:
                yield self.waiting(checks, "check the rows (or wait for the workers)")

        saved.append((imports, "_form_checks", form_checks))
        imports._form_checks = timed_form_checks
        try:
            yield self
        finally:
            for module, name, function in saved:
                setattr(module, name, function)

    def rows(self):
        labels = [label for _module, _name, label in PHASES]
        labels.insert(0, "check the rows (or wait for the workers)")
        return [
            (label, f"{self.wall[label]:.1f}", f"{self.cpu[label]:.1f}")
            for label in labels
            if label in self.wall
        ]


def load_average():
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-scan", action="store_true", help="Do not time find_duplicates.")
    args = parser.parse_args(argv)
    setup_django()
    from django.core.management import call_command

    from households.models import Household

    rng = random.Random(args.seed)
    load_before = load_average()
    removed = clean_up()
    registry = Household.objects.count()
    username = importer()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        kinds = write_file(path, args.rows, rng)
        out = io.StringIO()
        load_at_start = load_average()
        started, cpu = time.perf_counter(), time.process_time()
        with PhaseTimer().installed() as phases:
            call_command("import_households", str(path), "--staff", username, stdout=out)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        load_at_end = load_average()
    import_rss = peak_rss_mb()
    summary = out.getvalue().strip().replace("\n", "; ")
    print(f"Registry: {registry:,} households (removed {removed:,} from an earlier run)")
    print(f"File: {args.rows:,} rows ({kinds['new']:,} new, {kinds['duplicate']:,} exact ")
    print(f"  duplicates in another spelling, {kinds['error']:,} errors)")
    print()
    rows = [
        ("step", "seconds", "rows/s", "peak RSS MB", "result"),
        (
            "import_households",
            f"{seconds:.1f}",
            f"{args.rows / seconds:,.0f}",
            f"{import_rss:.0f}",
            summary,
        ),
    ]
    if not args.skip_scan:
        out = io.StringIO()
        started = time.perf_counter()
        call_command("find_duplicates", "--dry-run", stdout=out)
        scan_seconds = time.perf_counter() - started
        rows.append(
            (
                "find_duplicates --dry-run",
                f"{scan_seconds:.1f}",
                f"{Household.objects.count() / scan_seconds:,.0f}",
                f"{peak_rss_mb():.0f}",
                out.getvalue().strip().replace("\n", "; "),
            )
        )
    table(rows)
    print()
    table([("phase", "seconds", "CPU s (this process)"), *phases.rows()])
    print(f"import_households in all: {seconds:.1f} s, {cpu:.1f} CPU s in this process")
    print(f"Load average: {load_before} before, {load_at_start} at the import's start, ")
    print(f"  {load_at_end} at its end.")
    print()
    verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
    print(f"Target: import under {TARGET_SECONDS} s: {verdict}.")
    print("Peak RSS is the process's high-water mark so far (the scan's includes the import's).")
    clean_up()
    return 0


if __name__ == "__main__":
    sys.exit(main())
