"""Register households from a CSV or XLSX file; running it again registers nothing new."""

import contextlib
import csv
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.db.retry import LockContention
from core.spreadsheets import neutralise
from households.imports import ImportRefused, Verdict, find_importer, import_rows, read_rows

REPORT_HEADER = ["row", "verdict", "household_id", "message"]


class Command(BaseCommand):
    help = (
        "Register households from FILE (.csv or .xlsx) whose header row names the "
        "registration form's columns. Each row is checked as the registration form "
        "checks it; a phone number already registered, in any spelling, is a duplicate. "
        "Prints 'imported N, duplicates N, errors N' and writes one report line per row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .csv (UTF-8) or .xlsx file.")
        parser.add_argument(
            "--staff",
            required=True,
            metavar="USERNAME",
            help="Login of the worker, manager or admin who registers these households.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and count every row; save nothing, and write no report unless "
            "--report names one.",
        )
        parser.add_argument(
            "--report",
            type=Path,
            metavar="PATH",
            help="Where to write the per-row report (default: FILE's name with "
            ".report.csv, next to it).",
        )

    def handle(self, *args, file, staff, dry_run, report, **options):
        try:
            importer = find_importer(staff)
            rows = read_rows(file)
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        if report is None and not dry_run:
            report = file.with_name(f"{file.stem}.report.csv")
        if report is not None and report.resolve() == file.resolve():
            raise CommandError("The report would overwrite FILE: name another --report.")
        counts = self.run(rows, importer, dry_run, report)
        possible = counts[Verdict.POSSIBLE_DUPLICATE]
        self.stdout.write(
            f"imported {counts[Verdict.NEW] + possible}, "
            f"duplicates {counts[Verdict.DUPLICATE]}, errors {counts[Verdict.ERROR]}"
        )
        if possible:
            self.stdout.write(
                f"possible duplicates {possible}: registered, and queued for a manager's review"
            )

    def run(self, rows, importer, dry_run, report):
        """Import the rows, writing each batch's lines to the report as it commits.

        The report is opened first: a report that cannot be written refuses the
        import before anything is saved.
        """
        counts = Counter()
        with self.open_report(report) as out:
            writer = csv.writer(out, lineterminator="\r\n") if out else None
            if writer:
                writer.writerow(REPORT_HEADER)
            try:
                for result in import_rows(rows, staff=importer, dry_run=dry_run):
                    counts[result.verdict] += 1
                    if writer:
                        writer.writerow(
                            [
                                result.row,
                                result.verdict,
                                result.household_id,
                                neutralise(result.message),
                            ]
                        )
            except LockContention as lost:
                raise CommandError(
                    f"{lost} The rows before the failed batch were imported (see the "
                    "report); run the command again: they will count as duplicates."
                ) from None
        return counts

    def open_report(self, report):
        """The report file, opened for writing, or nothing (a dry run without --report)."""
        if report is None:
            return contextlib.nullcontext()
        try:
            return report.open("w", newline="", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write the report to {report}: {error.strerror}.") from None
