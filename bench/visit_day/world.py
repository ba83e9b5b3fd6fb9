"""The run's own world: packages, centers, logins, carded households, yesterday's visits.

Also what happens around the points while they run: the scarce package's small
deliveries, and the draw of who comes to a counter next. Everything needs Django set
up, hence the imports inside the functions.
"""

import random
import threading
import time
from dataclasses import dataclass

from devtools.load.client import ClientPlan
from devtools.load.world import PACKAGE_PREFIX, VALIDITY_DAYS, _Builder, households

PLENTY = 100_000


@dataclass(frozen=True)
class PackageSpec:
    key: str
    label: str
    category: str
    units: int
    persons: int | None = None
    cap: int | None = None
    everywhere: bool = True  # stocked at every center (else at even-numbered ones)
    scarce: bool = False


PACKAGES = (
    PackageSpec("flat", "rice, 2 per household", "food", 2),
    PackageSpec("per3", "hygiene kit, 1 per 3 persons, at most 2", "hygiene", 1, 3, 2),
    PackageSpec(
        "scarce", "medicine, 1 per 2 persons, 2 to 4 (scarce)", "medical", 2, 2, 4, True, True
    ),
    PackageSpec("per4", "blanket, 1 per 4 persons", "shelter", 1, 4, None, everywhere=False),
)
# Who comes to the counter: new households, households owed units from yesterday's short
# visit, households served one or two packages yesterday, households owed units by a
# visit of this run (they come back), and households already seen today (again).
MIX = (("new", 0.60), ("owed", 0.15), ("served", 0.15), ("back for owed", 0.06), ("again", 0.04))


@dataclass
class World:
    tag: str
    admin: object
    centers: list
    packages: dict  # key -> AidPackage
    stocked: dict  # center id -> package keys it stocks
    plans: list
    pools: dict  # kind -> household ids
    codes: dict  # household id -> card code
    family: dict  # household id -> family size
    marks: dict  # highest ids before the run: visit, log, owed
    description: str

    @property
    def center_ids(self):
        return [center.pk for center in self.centers]

    @property
    def package_ids(self):
        return [package.pk for package in self.packages.values()]

    def entitlement(self, household_id, package_id):
        from inventory.models import entitlement

        package = next(p for p in self.packages.values() if p.pk == package_id)
        return entitlement(
            family_size=self.family[household_id],
            units_per_household=package.units_per_household,
            persons_per_unit=package.persons_per_unit,
            max_units=package.max_units,
        )


def seed_world(args):
    """Centers, packages, stock, logins, households with cards and yesterday's visits."""
    rng = random.Random(args.seed)
    started = time.monotonic()
    build = _Builder()  # retires earlier runs' packages; tags this run's rows
    packages = _packages(build)
    centers, stocked = _centers(args, build, packages)
    plans = [
        ClientPlan(build.worker(number, centers[number % len(centers)]), build.password, ())
        for number in range(args.points)
    ]
    ids, pools = _pools(args, build, rng)
    codes, family = _cards(build, ids)
    _yesterday(build, packages, pools)
    return World(
        tag=build.tag,
        admin=build.admin,
        centers=centers,
        packages=packages,
        stocked=stocked,
        plans=plans,
        pools=pools,
        codes=codes,
        family=family,
        marks=_marks(),
        description=_describe(args, centers, stocked, ids, pools, started),
    )


def _packages(build):
    """One AidPackage per spec, named after the run so its checks count only its rows."""
    from inventory.models import AidPackage

    return {
        spec.key: AidPackage.objects.create(
            package_name=f"{PACKAGE_PREFIX}{build.tag} {spec.label}",
            category=spec.category,
            estimated_cost=10,
            validity_period_days=VALIDITY_DAYS,
            units_per_household=spec.units,
            persons_per_unit=spec.persons,
            max_units=spec.cap,
            is_perishable=False,  # restocked without expiry dates: one lot per row
        )
        for spec in PACKAGES
    }


def _centers(args, build, packages):
    """The points' centers, each stocking 3 or 4 packages: plenty, or little if scarce."""
    centers = [build.center(f"point {number}") for number in range(args.centers)]
    stocked = {}
    for number, center in enumerate(centers):
        keys = [spec.key for spec in PACKAGES if spec.everywhere or number % 2 == 0]
        stocked[center.pk] = keys
        for spec in PACKAGES:
            if spec.key in keys:
                units = args.scarce_units if spec.scarce else PLENTY
                build.stock(center, packages[spec.key], units)
    return centers, stocked


def _pools(args, build, rng):
    """This run's households, shuffled, then cut into owed, served and new."""
    total = args.households + args.owed + args.served
    ids, _ = households(build.tag, total)
    rng.shuffle(ids)
    pools = {
        "owed": ids[: args.owed],
        "served": ids[args.owed : args.owed + args.served],
        "new": ids[args.owed + args.served :],
    }
    return ids, pools


def _cards(build, ids):
    """A card for every household; return (household id -> code, -> family size)."""
    from households.models import Household, HouseholdCard
    from households.services import new_card_code

    HouseholdCard.objects.bulk_create(
        (
            HouseholdCard(
                household_id=pk,
                code=new_card_code(),
                issued_by=build.admin,
                issued_by_name=build.admin.full_name,
            )
            for pk in ids
        ),
        batch_size=2000,
    )
    codes = dict(
        HouseholdCard.objects.filter(household_id__in=ids, revoked_at__isnull=True).values_list(
            "household_id", "code"
        )
    )
    family = dict(Household.objects.filter(pk__in=ids).values_list("pk", "family_size"))
    return codes, family


def _yesterday(build, packages, pools):
    """Short visits at a center that got one unit at a time (the rest is owed), and full
    visits of one or two packages elsewhere (those lines are not eligible now)."""
    from households.models import Household

    objects = Household.objects.in_bulk(pools["owed"] + pools["served"])
    short = build.center("yesterday, short")
    plenty = build.center("yesterday")
    for spec in PACKAGES:
        build.stock(plenty, packages[spec.key], PLENTY)
    _short_visits(build, short, packages, [objects[pk] for pk in pools["owed"]])
    _full_visits(build, plenty, packages, [objects[pk] for pk in pools["served"]])


def _short_visits(build, center, packages, owed):
    """One unit of a package due 2 or more: the household is owed the rest."""
    from distribution.services import serve_household
    from inventory.services import restock

    for number, household in enumerate(owed):
        due = {key: packages[key].entitlement_for(household) for key in ("flat", "scarce", "per4")}
        owed_keys = [key for key, units in due.items() if units >= 2] or ["flat"]
        package = packages[owed_keys[number % len(owed_keys)]]
        restock(center=center, package=package, quantity=1, staff=build.admin)
        serve_household(
            household=household, center=center, staff=build.admin, lines=[(package, None)]
        )


def _full_visits(build, center, packages, served):
    """One package, or two for every third household, handed out in full."""
    from distribution.services import serve_household

    served_keys = ("flat", "per3", "scarce")
    for number, household in enumerate(served):
        keys = [served_keys[number % 3]]
        if number % 3 == 0:
            keys.append(served_keys[(number + 1) % 3])
        serve_household(
            household=household,
            center=center,
            staff=build.admin,
            lines=[(packages[key], None) for key in keys],
        )


def _marks():
    """The highest visit, log and owed ids before the run: its own rows are above them."""
    from django.db.models import Max

    from distribution.models import DistributionLog, OwedItem, Visit

    return {
        "visit": Visit.objects.aggregate(m=Max("pk"))["m"] or 0,
        "log": DistributionLog.objects.aggregate(m=Max("pk"))["m"] or 0,
        "owed": OwedItem.objects.aggregate(m=Max("pk"))["m"] or 0,
    }


def _describe(args, centers, stocked, ids, pools, started):
    scarce_at = sum(1 for keys in stocked.values() if "scarce" in keys)
    return (
        f"{args.points} points over {len(centers)} centers (3 or 4 packages each); "
        f"{len(ids):,} households with cards ({len(pools['new']):,} new, "
        f"{len(pools['owed'])} owed from a short visit, {len(pools['served'])} served "
        f"inside validity); scarce stock {args.scarce_units} per center at {scarce_at} "
        f"centers + {args.delivery_units} every {args.delivery_every:g} s; "
        f"validity {VALIDITY_DAYS} days; seeded in {time.monotonic() - started:.1f} s"
    )


class Deliveries(threading.Thread):
    """Small deliveries of the scarce package at every center during the run."""

    def __init__(self, world, *, units, every):
        super().__init__(name="deliveries", daemon=True)
        self.world, self.units, self.every = world, units, every
        self.stop = threading.Event()
        self.made = 0
        self.errors = []

    def run(self):
        from django.db import connection

        from inventory.services import restock

        scarce = self.world.packages["scarce"]
        centers = [c for c in self.world.centers if "scarce" in self.world.stocked[c.pk]]
        try:
            while not self.stop.wait(self.every):
                for center in centers:
                    restock(
                        center=center, package=scarce, quantity=self.units, staff=self.world.admin
                    )
                    self.made += 1
        except Exception as error:  # reported as a failed check, never a crash mid-run
            self.errors.append(repr(error))
        finally:
            connection.close()


class Draw:
    """Who comes to a counter next; shared by every point (thread-safe)."""

    def __init__(self, world):
        self.pools = {kind: list(ids) for kind, ids in world.pools.items()}
        self.codes = world.codes
        self.owed_today = []  # households a receipt said are owed units: they come back
        self.seen = []
        self.lock = threading.Lock()

    def next(self, rng):
        with self.lock:
            kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            for candidate in (kind, "new", "again"):
                household = self._take(candidate, rng)
                if household is not None:
                    return candidate, household, self.codes[household]
        raise RuntimeError("no household to draw")

    def _take(self, kind, rng):
        if kind in self.pools:
            pool = self.pools[kind]
            return pool.pop() if pool else None
        if kind == "back for owed":
            return (
                self.owed_today.pop(rng.randrange(len(self.owed_today)))
                if self.owed_today
                else None
            )
        return rng.choice(self.seen) if self.seen else None

    def visited(self, household, owed):
        with self.lock:
            self.seen.append(household)
            if owed:
                self.owed_today.append(household)
