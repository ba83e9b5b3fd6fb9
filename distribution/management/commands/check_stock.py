"""Verify stock conservation for every inventory row and every transfer, and that each
row's lots add up to it; exit non-zero on any mismatch."""

from django.core.management.base import BaseCommand, CommandError

from distribution.selectors import stock_ledger
from inventory.selectors import unbalanced_transfers, with_transfers


class Command(BaseCommand):
    help = (
        "Check that restocked + adjustments + transfers in - transfers out + transfers "
        "cancelled - lost in transit - distributed + voided = quantity_on_hand for every "
        "inventory row, that the row's lots add up to its quantity_on_hand, and that "
        "each transfer's movements match its status. Prints mismatches and exits with "
        "status 1 if any."
    )

    def handle(self, **options):
        rows = with_transfers(stock_ledger())
        mismatches = [row for row in rows if not row.balanced]
        for row in mismatches:
            self.stdout.write(
                f"MISMATCH inventory #{row.inventory_id} {row.package_name} at {row.center_name}: "
                f"restocked {row.restocked} + adjustments {row.adjustments} "
                f"+ transfers in {row.transferred_in} - transfers out {row.transferred_out} "
                f"+ transfers cancelled {row.returned} - lost in transit {row.lost_in_transit} "
                f"- distributed {row.distributed} + voided {row.voided} = {row.expected}, "
                f"but {row.quantity_on_hand} on hand"
            )
        lots_off = [row for row in rows if not row.lots_add_up]
        for row in lots_off:
            self.stdout.write(
                f"MISMATCH lots of inventory #{row.inventory_id} {row.package_name} at "
                f"{row.center_name}: lots hold {row.in_lots}, but {row.quantity_on_hand} on hand"
            )
        transfers = unbalanced_transfers()
        for transfer, recorded in transfers:
            steps = ", ".join(f"{kind} {total:+d}" for kind, (total, *_) in recorded.items())
            self.stdout.write(
                f"MISMATCH transfer {transfer.number} ({transfer.get_status_display()}, "
                f"{transfer.quantity} sent): movements {steps or 'none'}"
            )
        problems = []
        if mismatches:
            problems.append(f"{len(mismatches)} of {len(rows)} inventory rows do not balance")
        if lots_off:
            problems.append(f"the lots of {len(lots_off)} inventory rows do not add up to them")
        if transfers:
            problems.append(f"{len(transfers)} transfer(s) do not match their movements")
        if problems:
            raise CommandError("; ".join(problems) + ".")
        self.stdout.write(
            self.style.SUCCESS(
                f"All {len(rows)} inventory rows balance. Their lots add up to them."
            )
        )
