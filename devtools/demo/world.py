"""Build the demo world in one transaction: people first, then the months and the day."""

import random
from dataclasses import dataclass

from django.db import transaction

from distribution.models import DistributionLog
from inventory.models import Inventory, StockMovement

from .data import SEED, Role
from .history import History
from .people import (
    seed_cards,
    seed_centers,
    seed_households,
    seed_logins,
    seed_members,
    seed_members_of_other_sex,
    seed_packages,
    seed_possible_duplicates,
    seed_teams,
)
from .today import Day


@dataclass(frozen=True)
class DemoWorld:
    centers: list
    logins: dict  # {role: StaffMember}
    new_activity: bool  # False: stock and history existed and were left as they were


def build_world(seed=SEED):
    """Create what is missing of the demo world; stock and history only if it has none."""
    rng = random.Random(seed)
    with transaction.atomic():
        centers = seed_centers()
        packages = seed_packages()
        logins = seed_logins(centers[0])
        teams = seed_teams(centers, logins)
        seed_households(rng)
        seed_possible_duplicates()
        new_activity = not has_activity(centers)
        if new_activity:
            open_stock_rows(centers, packages)
            History(seed=seed).record(centers=centers, teams=teams, packages=packages)
            Day(rng, centers=centers, packages=packages, teams=teams).run()
        seed_members(rng, logins[Role.WORKER])
        seed_members_of_other_sex(logins[Role.WORKER])
        seed_cards(logins[Role.WORKER])
    return DemoWorld(centers=centers, logins=logins, new_activity=new_activity)


def has_activity(centers):
    return (
        StockMovement.objects.filter(inventory__center__in=centers).exists()
        or DistributionLog.objects.filter(center__in=centers).exists()
    )


def open_stock_rows(centers, packages):
    """Every center stocks every package from the first month, with no reorder level
    yet: the history's monthly deliveries then keep no safety stock beyond a fifth of
    the month's handouts, and today sets the levels the dashboard judges by."""
    for center in centers:
        for package in packages:
            Inventory.objects.get_or_create(
                center=center, package=package, defaults={"reorder_level": 0}
            )
