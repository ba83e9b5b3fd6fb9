"""Today at the five centers, recorded through the portal's services as staff would.

The history stops at midnight (UTC). Today each center opens with a delivery (the
perishables as lots with their expiry dates), or writes off what the stock take found
damaged; serves a queue of visits, whole baskets of what each household may have; sends
stock to another center (one transfer arrives, two are still on the road); takes
short-dated and expired donations; and its manager voids a mistake. Each stock row is
planned to end as the dashboard should show it: well stocked, low (at or below its
reorder level) or out; on a few short rows the last visitor is owed what the shelf
could not give. A few refused attempts close the day.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from distribution.models import DistributionLog
from distribution.rules import eligibility_cutoff, served
from distribution.services import (
    DistributionRefused,
    distribute_package,
    serve_household,
    void_distribution,
)
from households.models import Household
from inventory.lot_models import utc_today
from inventory.models import Inventory, StockMovement
from inventory.services import (
    adjust_stock,
    dispatch_transfer,
    receive_transfer,
    restock,
    set_reorder_level,
)

from .data import (
    COLLECTED_BY_CHANCE,
    FAMILY_NAMES,
    FIRST_NAMES,
    LATE_DELIVERIES,
    LOW,
    OUT,
    OWED,
    PACKAGES,
    STOCK_ALERTS,
    TAKE_CHANCE,
    TRANSFERS,
    VISITS_TODAY,
    VOID_CATEGORIES,
    VOID_REASON,
    WRITE_OFF_NOTE,
    Category,
)


@dataclass
class Row:
    """One stock row's day: what its visits ask for and how it should end.

    A row whose last visitor is short of units (`short`) opens with exactly what the
    visits will get, so the shelf is empty when that visitor comes; a delivery in the
    afternoon (`refill`) then brings what the row keeps and sends.
    """

    center_index: int
    inventory: Inventory
    target: int  # units on hand tonight
    reorder_level: int
    alert: str | None  # LOW, OUT, or None for a well-stocked row
    due: int = 0  # units the day's visits ask for
    short: int = 0  # of those, units the last visitor asking for it cannot get
    later: int = 0  # units in (or out, if negative) after the visits: transfers, donations

    @property
    def opening(self):
        """Units the row must hold when the doors open."""
        if self.short:
            return self.due - self.short
        return self.due + self.target - self.later

    @property
    def refill(self):
        return self.target - self.later if self.short else 0


@dataclass(frozen=True)
class PlannedVisit:
    household: Household
    packages: list
    collected_by: str = ""


def blocked_households(package):
    """Ids of the households a served distribution still blocks from `package`."""
    cutoff = eligibility_cutoff(package.validity_period_days)
    logs = DistributionLog.objects.filter(served(), package=package, distribution_date__gte=cutoff)
    return set(logs.values_list("household_id", flat=True))


def opening_lot(package, center_index):
    """The lot code and expiry date of a morning delivery (perishable packages only)."""
    if not package.is_perishable:
        return {}
    today = utc_today()
    keeps = 150 if package.category == Category.FOOD else 400
    return {
        "lot_code": f"{package.category[:3].upper()}-{today:%y%m}-{center_index + 1}",
        "expiry_date": today + datetime.timedelta(days=keeps + 10 * center_index),
    }


class Day:
    """Plan today's rows and visits, then record them in the order a day goes."""

    def __init__(self, rng, *, centers, packages, teams):
        self.rng = rng
        self.centers = centers
        self.packages = {package.category: package for package in packages}
        self.teams = teams
        self.rows = {}
        self.queues = []

    def run(self):
        self.plan_rows()
        self.plan_visits()
        self.open_doors()
        self.serve_visits()
        self.refill_emptied_rows()
        self.send_stock()
        self.take_late_deliveries()
        self.void_a_mistake()
        self.refuse_a_few()

    # Planning ----------------------------------------------------------------------

    def plan_rows(self):
        """A Row per stock row, its target from STOCK_ALERTS, what comes in after the
        visits (the target is never less, so the visits never run short unplanned)."""
        later = {}
        for index, category, units, *_ in LATE_DELIVERIES:
            later[index, category] = later.get((index, category), 0) + units
        for source, destination, category, sent, received, *_ in TRANSFERS:
            later[source, category] = later.get((source, category), 0) - sent
            later[destination, category] = later.get((destination, category), 0) + (received or 0)
        for index, center in enumerate(self.centers):
            for category, package in self.packages.items():
                reorder_level = PACKAGES[category][-1]
                alert = STOCK_ALERTS.get((index, category))
                if alert == OUT:
                    target = 0
                elif alert == LOW:
                    target = self.rng.randint(1, reorder_level)
                else:
                    target = self.rng.randint(2 * reorder_level, 6 * reorder_level)
                comes_in = later.get((index, category), 0)
                self.rows[index, category] = Row(
                    center_index=index,
                    inventory=Inventory.objects.get(center=center, package=package),
                    target=max(target, comes_in),
                    reorder_level=reorder_level,
                    alert=alert,
                    later=comes_in,
                )

    def plan_visits(self):
        """Each center's queue: active households of its city, each taking a random part
        of what it may have, then the households that will be short (owed_visits). On
        a row that ends out of stock, the last visitor to ask gets nothing."""
        blocked = {category: blocked_households(p) for category, p in self.packages.items()}
        for index, center in enumerate(self.centers):
            households = Household.objects.filter(
                city=center.city, status=Household.Status.ACTIVE
            ).order_by("pk")
            households = list(households)
            self.rng.shuffle(households)
            queue = []
            for household in households:
                if len(queue) == VISITS_TODAY[index]:
                    break
                wanted = [
                    package
                    for category, package in self.packages.items()
                    if household.pk not in blocked[category]
                    and self.rng.random() < TAKE_CHANCE[category]
                ]
                if wanted:
                    queue.append(PlannedVisit(household, wanted, self.collector()))
            queue += self.owed_visits(index, households, queue, blocked)
            for visit in queue:
                for package in visit.packages:
                    row = self.rows[index, package.category]
                    row.due += package.entitlement_for(visit.household)
            for category in self.packages:
                row = self.rows[index, category]
                if row.target == 0 and not row.short:
                    row.short = min(1, row.due)
            self.queues.append(queue)

    def owed_visits(self, index, households, queue, blocked):
        """On each OWED row of the center, a household due two units or more comes last
        and gets one: the rest is owed to it."""
        queued = {visit.household.pk for visit in queue}
        visits = []
        for category in (category for place, category in OWED if place == index):
            package = self.packages[category]
            due = {
                household: package.entitlement_for(household)
                for household in households
                if household.pk not in queued | blocked[category]
            }
            household = next((household for household, units in due.items() if units >= 2), None)
            if household is not None:
                visits.append(PlannedVisit(household, [package]))
                queued.add(household.pk)
                self.rows[index, category].short = due[household] - 1
        return visits

    def collector(self):
        if self.rng.random() >= COLLECTED_BY_CHANCE:
            return ""
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(FAMILY_NAMES)}"

    # Recording ---------------------------------------------------------------------

    def open_doors(self):
        """Set each row's reorder level and bring it to its opening stock: a delivery,
        or, on a row that should end low or out, a write-off of damaged units (a slow
        row may hold more than it needs; a well-stocked one keeps it)."""
        for (index, category), row in self.rows.items():
            manager = self.teams[index].manager
            set_reorder_level(
                inventory=row.inventory, reorder_level=row.reorder_level, staff=manager
            )
            change = row.opening - row.inventory.quantity_on_hand
            if change > 0:
                self.deliver(index, category, change)
            elif change < 0 and row.alert is not None:
                adjust_stock(
                    inventory=row.inventory,
                    delta=change,
                    reason=StockMovement.Reason.DAMAGED,
                    staff=manager,
                    notes=WRITE_OFF_NOTE,
                )

    def deliver(self, index, category, quantity):
        restock(
            center=self.centers[index],
            package=self.packages[category],
            quantity=quantity,
            staff=self.teams[index].manager,
            **opening_lot(self.packages[category], index),
        )

    def serve_visits(self):
        for center, team, queue in zip(self.centers, self.teams, self.queues, strict=True):
            for visit in queue:
                serve_household(
                    household=visit.household,
                    center=center,
                    staff=self.rng.choice(team.recorders),
                    lines=[(package, None) for package in visit.packages],
                    collected_by=visit.collected_by,
                )

    def refill_emptied_rows(self):
        """The afternoon delivery of each row whose shelf the visits emptied."""
        for (index, category), row in self.rows.items():
            if row.refill > 0:
                self.deliver(index, category, row.refill)

    def send_stock(self):
        for source, destination, category, sent, received, notes, receipt in TRANSFERS:
            transfer = dispatch_transfer(
                source=self.centers[source],
                destination=self.centers[destination],
                package=self.packages[category],
                quantity=sent,
                staff=self.teams[source].manager,
                notes=notes,
            )
            if received is not None:
                receive_transfer(
                    transfer=transfer,
                    quantity_received=received,
                    staff=self.teams[destination].manager,
                    notes=receipt,
                    loss_reason=StockMovement.Reason.DAMAGED,
                )

    def take_late_deliveries(self):
        today = utc_today()
        for index, category, units, days, lot_code, notes in LATE_DELIVERIES:
            restock(
                center=self.centers[index],
                package=self.packages[category],
                quantity=units,
                staff=self.teams[index].manager,
                notes=notes,
                lot_code=lot_code,
                expiry_date=today + datetime.timedelta(days=days),
            )

    def void_a_mistake(self):
        """The first center's manager voids one of today's handouts of a well-stocked row."""
        center = self.centers[0]
        start_of_day = (
            timezone.now()
            .astimezone(datetime.UTC)
            .replace(hour=0, minute=0, second=0, microsecond=0)
        )
        today = DistributionLog.objects.filter(
            served(), center=center, distribution_date__gte=start_of_day
        ).order_by("pk")
        for category in VOID_CATEGORIES:
            log = today.filter(package__category=category).first()
            if log is not None and (0, category) not in STOCK_ALERTS:
                void_distribution(log=log, staff=self.teams[0].manager, reason=VOID_REASON)
                return

    def refuse_a_few(self):
        """Attempts the rules refuse; each leaves a `failed` row in the log."""
        food = self.packages[Category.FOOD]
        attempts = []
        cutoff = eligibility_cutoff(food.validity_period_days)
        recent = DistributionLog.objects.filter(
            served(), package=food, distribution_date__gte=cutoff
        )
        for center, team in zip(self.centers[:3], self.teams, strict=False):
            owed = center.owed_items.values_list("household_id", flat=True)
            latest = (
                recent.filter(center=center)
                .exclude(household_id__in=list(owed))
                .order_by("-pk")
                .first()
            )
            if latest is not None:  # served within the validity period: a repeat
                attempts.append((latest.household, food, center, team.recorders[0]))
        for status, index in ((Household.Status.SUSPENDED, 0), (Household.Status.INACTIVE, 4)):
            center = self.centers[index]
            household = Household.objects.filter(city=center.city, status=status).first()
            if household:
                attempts.append((household, food, center, self.teams[index].recorders[0]))
        for (index, category), alert in STOCK_ALERTS.items():
            if alert == OUT:
                package, center = self.packages[category], self.centers[index]
                household = (
                    Household.objects.filter(city=center.city, status=Household.Status.ACTIVE)
                    .exclude(pk__in=blocked_households(package))
                    .order_by("pk")
                    .first()
                )
                attempts.append((household, package, center, self.teams[index].recorders[0]))
        # A volunteer may only record at their own center.
        volunteer = self.teams[0].recorders[-1]
        household = Household.objects.filter(city=self.centers[1].city).order_by("pk").first()
        attempts.append((household, food, self.centers[1], volunteer))
        for household, package, center, staff in attempts:
            try:
                distribute_package(household=household, package=package, center=center, staff=staff)
            except DistributionRefused:
                continue
