"""Verify stock conservation for every inventory row; exit non-zero on any mismatch."""

from django.core.management.base import BaseCommand, CommandError

from distribution.selectors import stock_ledger


class Command(BaseCommand):
    help = (
        "Check that restocked + adjustments - distributed + voided = quantity_on_hand "
        "for every inventory row. Prints mismatches and exits with status 1 if any."
    )

    def handle(self, **options):
        rows = stock_ledger()
        mismatches = [row for row in rows if not row.balanced]
        for row in mismatches:
            self.stdout.write(
                f"MISMATCH inventory #{row.inventory_id} {row.package_name} at {row.center_name}: "
                f"restocked {row.restocked} + adjustments {row.adjustments} "
                f"- distributed {row.distributed} + voided {row.voided} = {row.expected}, "
                f"but {row.quantity_on_hand} on hand"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} of {len(rows)} inventory rows do not balance.")
        self.stdout.write(self.style.SUCCESS(f"All {len(rows)} inventory rows balance."))
