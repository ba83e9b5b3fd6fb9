"""What `seed_demo` prints: the world in numbers, where to start, and the logins."""

import datetime

from django.db.models import Min
from django.utils import timezone

from distribution.models import DistributionLog, Visit
from distribution.selectors import open_owed_items
from households.models import Household, HouseholdCard
from inventory.lot_models import EXPIRY_WARNING_DAYS, StockLot, utc_today
from inventory.models import AidPackage, Inventory, Transfer

from .data import CARDS_SHOWN, DEMO_PASSWORD, DEMO_URL, LOGINS


def summary_lines(world):
    """The lines to print, in English (a developer's terminal, not the portal)."""
    centers = world.centers
    distributions = DistributionLog.objects.filter(center__in=centers)
    inventory = Inventory.objects.filter(center__in=centers)
    low = sum(1 for row in inventory if 0 < row.quantity_on_hand <= row.reorder_level)
    lines = [
        f"Demo world: {len(centers)} centers, {AidPackage.objects.count()} packages, "
        f"{Household.objects.count()} households, {inventory.count()} stock rows "
        f"({low} low, {inventory.filter(quantity_on_hand=0).count()} out of stock), "
        f"{distributions.filter(transaction_status='success').count()} distributions and "
        f"{distributions.filter(transaction_status='failed').count()} refused attempts."
    ]
    if not world.new_activity:
        lines.append("Stock and distribution history already existed; left as they were.")
    lines.append(activity_line(centers, distributions))
    lines += card_lines()
    lines.append(f"\nOpen {DEMO_URL} and sign in with password {DEMO_PASSWORD!r}:\n")
    lines.append(f"  {'username':<10} {'role':<10} {'center':<28} Django admin")
    for username, *_, role in LOGINS:
        staff = world.logins[role]
        center = staff.center.center_name if staff.center else "all centers"
        admin = "yes" if staff.user.is_staff else "no"
        lines.append(f"  {username:<10} {role:<10} {center:<28} {admin}")
    lines.append("")
    return lines


def activity_line(centers, distributions):
    since = distributions.aggregate(first=Min("distribution_date"))["first"]
    start_of_day = (
        timezone.now().astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    today = utc_today()
    lots = StockLot.objects.filter(inventory__center__in=centers)
    flagged = lots.expired(today).count() + lots.expiring(today).count()
    transfers = Transfer.objects.filter(source__in=centers)
    return (
        f"History since {since:%Y-%m-%d} (UTC). Today: "
        f"{Visit.objects.filter(visited_at__gte=start_of_day).count()} visits, "
        f"{open_owed_items().filter(center__in=centers).count()} owed items, "
        f"{transfers.count()} transfers ({transfers.filter(status='in_transit').count()} "
        f"in transit), {flagged} lots expired or expiring within {EXPIRY_WARNING_DAYS} days."
        if since
        else "No distribution history."
    )


def card_lines():
    cards = HouseholdCard.objects.filter(revoked_at__isnull=True).select_related("household")
    first = list(cards.order_by("household_id")[:CARDS_SHOWN])
    ids = ",".join(str(card.household_id) for card in first)
    lines = [
        f"{cards.count()} households have a card. Print the first sheet at "
        f"{DEMO_URL}households/cards/?ids={ids}"
    ]
    if first:
        card = first[0]
        lines.append(
            f"Serve a visit: Distribute, then scan or type card {card.display_code} "
            f"({card.household.family_name}, household #{card.household_id})."
        )
    return lines
