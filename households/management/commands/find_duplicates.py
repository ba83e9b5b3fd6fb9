"""Scan the whole registry for possible duplicate households and queue the new pairs."""

import resource
import sys

from django.core.management.base import BaseCommand

from households.duplicates import scan_registry


def peak_memory_mb():
    """This process's peak resident memory, in MB (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Command(BaseCommand):
    help = (
        "Compare every registered household with the others (households.matching: names "
        "alike, and the same address in the same city or phones ending in the same "
        "digits) and queue each new pair for a manager at /households/duplicates/. A pair "
        "already queued or decided is never queued again, dismissed ones included. "
        "Prints the counts, the time taken and the peak memory."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Find and count the pairs; queue nothing."
        )

    def handle(self, *args, dry_run, verbosity, **options):
        progress = self.stdout.write if verbosity >= 2 else None
        result = scan_registry(progress=progress, dry_run=dry_run)
        queued = "would queue" if dry_run else "queued"
        new = result.pairs - result.known if dry_run else result.new
        self.stdout.write(
            f"households {result.households}, possible duplicates {result.pairs}, "
            f"{queued} {new}, already known {result.known}; "
            f"{result.seconds:.1f} s, peak memory {peak_memory_mb():.0f} MB"
        )
