"""Fill the database with realistic synthetic households, distributions and stock, fast.

The planning and loading live in devtools.loadgen; this command parses the options,
runs a BulkLoader and prints what it did.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from devtools.loadgen import BulkLoader


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
        self.verbose = options["verbosity"] >= 1
        self.started = time.monotonic()
        loader = BulkLoader(
            seed=options["seed"],
            months=options["months"],
            batch_size=options["batch_size"],
            progress=self.progress,
        )
        result = loader.run(
            households,
            distributions,
            centers=options["centers"],
            failure_rate=options["failure_rate"],
            void_rate=options["void_rate"],
            with_triggers=options["with_triggers"],
        )
        self.progress(
            f"Done: {result.households} households, {result.log_rows} log rows "
            f"({result.successes} successes, {result.failures} failures, {result.voids} voids), "
            f"{result.restocks} restocks."
        )
        if result.attempts < distributions:
            self.stderr.write(
                "Fewer log rows than asked: the households cannot receive that many "
                "packages within their validity periods. Add --households or --months."
            )

    def progress(self, message):
        if self.verbose:
            self.stdout.write(f"[{time.monotonic() - self.started:7.1f}s] {message}")
