"""Rebuild the report rollups from Distribution_Log, verify them against it, or fold them."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from core.db.retry import LockContention
from reports import rollup


class Command(BaseCommand):
    help = (
        "Recompute the report rollups (Distribution_Monthly_Rollup, "
        "Distribution_Household_Months, Distribution_Monthly_Households and the coverage "
        "tables) from Distribution_Log. With --verify, change nothing: compare them with "
        "the log and exit with status 1 on any difference. With --fold, only add the "
        "pending per-household changes to the shared counters, on the primary database: "
        "once, or every --every seconds until stopped (the scheduler service). The report "
        "pages read counters and pending changes together, so folding only keeps the "
        "pending tables small."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Only compare the rollups with the log; exit non-zero if they differ.",
        )
        parser.add_argument(
            "--fold",
            action="store_true",
            help="Only add the pending changes to the counters.",
        )
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="With --fold: fold again every SECONDS until stopped.",
        )

    def handle(self, *, verify, fold, every, **options):
        if verify and fold:
            raise CommandError("Give --verify or --fold, not both.")
        if every is not None and (not fold or every <= 0):
            raise CommandError("--every takes a positive number of seconds, with --fold.")
        if fold:
            while True:
                self.fold_once()
                if every is None:
                    return
                close_old_connections()
                time.sleep(every)
        started = time.monotonic()
        if verify:
            result = rollup.verify()
            for problem in result.problems:
                self.stdout.write(f"MISMATCH {problem}")
            if not result.ok:
                raise CommandError(
                    "The rollups do not match Distribution_Log; "
                    "run `manage.py rebuild_rollup` to recompute them."
                )
            checked = ", ".join(f"{count} {name}" for name, count in result.checked.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"The rollups match Distribution_Log ({checked}) "
                    f"in {time.monotonic() - started:.1f}s."
                )
            )
            return
        try:
            counts = rollup.rebuild()
        except LockContention as error:
            raise CommandError(
                "The rebuild kept losing to distributions recorded meanwhile (on a Galera "
                "cluster, through other nodes); nothing was changed. Run it again at a "
                "quieter moment."
            ) from error
        summary = ", ".join(f"{table}: {count} rows" for table, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt in {time.monotonic() - started:.1f}s. {summary}.")
        )

    def fold_once(self):
        started = time.monotonic()
        try:
            folded = rollup.fold()
        except LockContention:
            # Another fold kept winning; what is left is folded next time.
            self.stderr.write("Folding lost to lock contention; the rest waits for next time.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Folded {folded} pending row(s) in {time.monotonic() - started:.1f}s."
            )
        )
