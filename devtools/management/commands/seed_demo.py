"""Create a small, realistic demo world; running it again duplicates nothing."""

import datetime
import logging
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from distribution.models import DistributionLog
from distribution.services import DistributionRefused, distribute_package
from households.duplicates import Candidate, possible_duplicates, record_possible_duplicates
from households.models import Household, HouseholdCard, HouseholdMember
from households.services import issue_missing_cards, save_member
from inventory.lot_models import utc_today
from inventory.models import AidPackage, Inventory, StockMovement
from inventory.services import restock, set_reorder_level

DEMO_PASSWORD = "aidtracker-demo"
DEMO_URL = "http://127.0.0.1:8000/"
SEED = 20240615
HOUSEHOLDS_PER_CITY = 60
NOT_DEBUG_MESSAGE = (
    "seed_demo creates logins with a published password, so it runs only with DEBUG on. "
    "Pass --force to seed anyway (e.g. a throwaway staging server)."
)

Role = StaffMember.Role
Category = AidPackage.Category

CITIES = {
    "Austin": {
        "state": "TX",
        "area_codes": ("512", "737"),
        "zip_codes": ("78702", "78721", "78723", "78741"),
        "streets": (
            "E Cesar Chavez Street",
            "Webberville Road",
            "Manor Road",
            "E 12th Street",
            "Springdale Road",
            "Pleasant Valley Road",
            "E Riverside Drive",
        ),
    },
    "Chicago": {
        "state": "IL",
        "area_codes": ("312", "773"),
        "zip_codes": ("60608", "60612", "60623", "60624", "60651"),
        "streets": (
            "W Division Street",
            "S Pulaski Road",
            "N Kedzie Avenue",
            "W Cermak Road",
            "S Ashland Avenue",
            "W Madison Street",
            "N Milwaukee Avenue",
        ),
    },
    "New Orleans": {
        "state": "LA",
        "area_codes": ("504",),
        "zip_codes": ("70117", "70119", "70122", "70126"),
        "streets": (
            "St. Claude Avenue",
            "N Broad Street",
            "Elysian Fields Avenue",
            "Franklin Avenue",
            "Gentilly Boulevard",
            "Louisa Street",
            "Chef Menteur Highway",
        ),
    },
    "Denver": {
        "state": "CO",
        "area_codes": ("303", "720"),
        "zip_codes": ("80204", "80211", "80219", "80223"),
        "streets": (
            "Federal Boulevard",
            "W Colfax Avenue",
            "Morrison Road",
            "S Sheridan Boulevard",
            "W Alameda Avenue",
            "Tennyson Street",
            "W 38th Avenue",
        ),
    },
    "Phoenix": {
        "state": "AZ",
        "area_codes": ("602", "480"),
        "zip_codes": ("85009", "85015", "85017", "85040", "85041"),
        "streets": (
            "N 27th Avenue",
            "W Indian School Road",
            "W McDowell Road",
            "N 35th Avenue",
            "W Thomas Road",
            "S Central Avenue",
            "E Roeser Road",
        ),
    },
}

# The first center is where the demo logins work.
CENTERS = [
    ("Eastside Community Hub", "2150 E 7th Street", "Austin", "78702", "512", 400),
    ("Lakeshore Relief Center", "1834 W Lake Street", "Chicago", "60612", "312", 650),
    (
        "Gulf Coast Response Center",
        "3200 Elysian Fields Avenue",
        "New Orleans",
        "70122",
        "504",
        500,
    ),
    ("Mountain Valley Aid Station", "775 Federal Boulevard", "Denver", "80204", "303", 300),
    ("Desert Bloom Family Services", "1601 N 27th Avenue", "Phoenix", "85009", "602", 450),
]

LOGINS = [
    ("admin", "Amara", "Okafor", Role.ADMIN),
    ("manager", "Daniel", "Reyes", Role.MANAGER),
    ("worker", "Priya", "Shah", Role.WORKER),
    ("volunteer", "Tom", "Becker", Role.VOLUNTEER),
]

# Staff without a login at the other centers: (manager, worker).
LOCAL_STAFF = [
    (("Monique", "Jackson"), ("Luis", "Ortega")),
    (("Claire", "Thibodeaux"), ("Marcus", "Batiste")),
    (("Hannah", "Lindqvist"), ("Diego", "Archuleta")),
    (("Rosa", "Begay"), ("Kevin", "Tran")),
]

# category: (name, description, kg, cost, validity days, reorder level)
PACKAGES = {
    Category.FOOD: (
        "Family Food Basket",
        "Rice, beans, lentils, cooking oil, canned vegetables and fish: "
        "two weeks for a family of four.",
        "18.50",
        "65.00",
        14,
        40,
    ),
    Category.MEDICAL: (
        "Basic First Aid Kit",
        "Bandages, antiseptic, pain relievers, oral rehydration salts, thermometer, gloves.",
        "1.20",
        "38.50",
        90,
        25,
    ),
    Category.SHELTER: (
        "Emergency Shelter Kit",
        "Tarpaulin, rope, two thermal blankets, sleeping mats and a solar lantern.",
        "9.80",
        "120.00",
        180,
        10,
    ),
    Category.HYGIENE: (
        "Family Hygiene Kit",
        "Soap, toothbrushes and paste, shampoo, sanitary pads, laundry detergent, a bucket.",
        "4.50",
        "27.75",
        30,
        30,
    ),
    Category.EDUCATION: (
        "School Supplies Pack",
        "Backpack, notebooks, pencils, pens, crayons, ruler and calculator for one student.",
        "2.30",
        "22.00",
        180,
        20,
    ),
    Category.EMERGENCY: (
        "72-Hour Emergency Kit",
        "Drinking water, ready-to-eat meals, flashlight, crank radio, batteries, whistle.",
        "7.40",
        "54.00",
        60,
        15,
    ),
}

# Entitlements: food and hygiene by family size, everything else one per household.
ENTITLEMENTS = {
    Category.FOOD: {"persons_per_unit": 3, "units_per_household": 1, "max_units": 4},
    Category.HYGIENE: {"persons_per_unit": 4, "units_per_household": 1, "max_units": 3},
}
CARDS_SHOWN = 8  # the first sheet of cards the report points at

LOW, OUT = "low", "out"
# (center index, category) -> how the stock should end; every other row is well stocked.
STOCK_ALERTS = {
    (0, Category.EMERGENCY): OUT,
    (0, Category.HYGIENE): LOW,
    (1, Category.MEDICAL): LOW,
    (2, Category.FOOD): OUT,
    (2, Category.SHELTER): LOW,
    (3, Category.EDUCATION): LOW,
    (4, Category.FOOD): LOW,
}

FAMILY_NAMES = (  # noqa: SIM905 - word lists read better as text
    "Garcia Johnson Nguyen Martinez Williams Hernandez Brown Lopez Smith Jackson Kim Patel "
    "Davis Rodriguez Thompson Ali Okonkwo Mensah Haddad Rahimi Tran Pham Yusuf Ibrahim "
    "Castillo Morales Reyes Cruz Washington Robinson Walker Harris Clark Lewis Young Allen "
    "King Wright Scott Green Baker Adams Nelson Hill Ramirez Flores Rivera Gomez Diaz Torres "
    "Sanchez Kowalski Novak Petrov Haile Tesfaye Abdi Warsame Yazzie Chen Wong Le Vu Singh "
    "Khan Mohammed Hussein Baptiste Fontenot Archuleta Lucero Romero"
).split()
FIRST_NAMES = (  # noqa: SIM905
    "Maria James Linh Jose Aisha David Fatima Michael Sofia Ahmed Grace Carlos Mai Daniel "
    "Amina Luis Keisha Omar Rosa Anthony Hoa Samuel Leila Juan Tamika Yusuf Elena Marcus "
    "Ngozi Miguel Priya Robert Alicia Hassan Jasmine Kevin Esperanza Tuan Beatriz Dawit "
    "Shanice Ana Teresa Andre Lucia Yolanda Darnell Mariam Hector Gloria"
).split()
NOTES = (
    "Needs a wheelchair-accessible pickup point.",
    "Prefers Spanish.",
    "Infant in the household; include diapers when available.",
    "Prefers Vietnamese; the eldest daughter interprets.",
    "Lost their home in the spring flooding.",
    "Diabetic family member; low-sugar items when possible.",
    "Works nights; picks up after 4 pm.",
    "Referred by county social services.",
    "Prefers Arabic.",
    "Elderly contact; a neighbor may collect on their behalf.",
)
INCOME_WEIGHTS = {"no_income": 18, "very_low": 32, "low": 32, "moderate": 18}
# Priority (critical, high, medium, low) leans on income, as caseworkers' would.
PRIORITY_WEIGHTS = {
    "no_income": (45, 35, 15, 5),
    "very_low": (20, 40, 30, 10),
    "low": (5, 25, 45, 25),
    "moderate": (2, 10, 38, 50),
}
FAMILY_SIZE_WEIGHTS = {1: 8, 2: 14, 3: 18, 4: 20, 5: 16, 6: 10, 7: 7, 8: 4, 9: 2, 10: 1}
STATUS_WEIGHTS = {"active": 90, "inactive": 6, "suspended": 4}


def demo_lot(package, center_index, delivery):
    """The lot code and expiry date of a demo delivery (perishable packages only).

    The first center's first food delivery expires within the month, so its dashboard
    shows an expiry alert; everything else keeps for months.
    """
    if not package.is_perishable:
        return {}
    soon = center_index == 0 and package.category == Category.FOOD and delivery == 1
    days = 20 if soon else 120 * delivery + 30 * center_index
    code = f"{package.category[:3].upper()}-{center_index + 1}{delivery:02d}"
    return {"lot_code": code, "expiry_date": utc_today() + datetime.timedelta(days=days)}


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Command(BaseCommand):
    help = (
        "Create demo centers, packages, ~300 households, stock, a distribution history and "
        f"one login per role (password {DEMO_PASSWORD!r}). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(NOT_DEBUG_MESSAGE)
        rng = random.Random(SEED)
        # The services log every distribution; hundreds of lines would bury the logins.
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            self.seed(rng)
        finally:
            logging.disable(previous)

    def seed(self, rng):
        with transaction.atomic():
            centers = [self.seed_center(*row) for row in CENTERS]
            packages = [self.seed_package(category, *row) for category, row in PACKAGES.items()]
            logins = self.seed_logins(centers[0])
            local_staff = self.seed_local_staff(centers[1:])
            self.seed_households(rng)
            self.seed_possible_duplicates()
            if self.has_activity(centers):
                self.stdout.write("Stock and distribution history already exist; left as they are.")
            else:
                teams = [(logins[Role.MANAGER], [logins[Role.WORKER], logins[Role.VOLUNTEER]])]
                teams += [(manager, [worker]) for manager, worker in local_staff]
                self.seed_stock_and_history(rng, centers, packages, teams)
                self.seed_refused_attempts(centers, packages, teams, logins[Role.VOLUNTEER])
            self.seed_members(rng, logins[Role.WORKER])
            self.seed_members_of_other_sex(logins[Role.WORKER])
            self.seed_cards(logins[Role.WORKER])
        self.report(centers, logins)

    def seed_center(self, name, address, city, zip_code, area_code, capacity):
        center, _ = DistributionCenter.objects.get_or_create(
            center_name=name,
            defaults={
                "address": address,
                "city": city,
                "state": CITIES[city]["state"],
                "zip_code": zip_code,
                "phone_number": f"+1 {area_code}-555-0100",
                "email": f"{name.split()[0].lower()}@aidtracker.example.org",
                "capacity": capacity,
            },
        )
        return center

    def seed_package(self, category, name, description, kg, cost, validity_days, _reorder):
        package, _ = AidPackage.objects.get_or_create(
            package_name=name,
            defaults={
                "category": category,
                "description": description,
                "unit_weight_kg": Decimal(kg),
                "estimated_cost": Decimal(cost),
                "validity_period_days": validity_days,
                **ENTITLEMENTS.get(category, {}),
            },
        )
        return package

    def seed_logins(self, center):
        """Create or reset one login per role, all with the demo password."""
        logins = {}
        for username, first_name, last_name, role in LOGINS:
            user, _ = get_user_model().objects.get_or_create(username=username)
            user.first_name, user.last_name = first_name, last_name
            user.email = f"{username}@aidtracker.example.org"
            user.is_active = True
            user.is_staff = role in (Role.ADMIN, Role.MANAGER)
            user.is_superuser = role == Role.ADMIN
            user.set_password(DEMO_PASSWORD)
            user.save()
            logins[role], _ = StaffMember.objects.update_or_create(
                user=user,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": user.email,
                    "role": role,
                    "center": None if role == Role.ADMIN else center,
                    "hire_date": datetime.date(2023, 3, 6),
                    "status": StaffMember.Status.ACTIVE,
                },
            )
        return logins

    def seed_local_staff(self, centers):
        teams = []
        for center, people in zip(centers, LOCAL_STAFF, strict=True):
            team = []
            for role, (first_name, last_name) in zip(
                (Role.MANAGER, Role.WORKER), people, strict=True
            ):
                staff, _ = StaffMember.objects.get_or_create(
                    email=f"{first_name}.{last_name}@aidtracker.example.org".lower(),
                    defaults={
                        "first_name": first_name,
                        "last_name": last_name,
                        "role": role,
                        "center": center,
                        "hire_date": datetime.date(2022, 9, 12),
                    },
                )
                team.append(staff)
            teams.append(tuple(team))
        return teams

    def seed_households(self, rng):
        """Create HOUSEHOLDS_PER_CITY households per city, keyed by phone number."""
        today = timezone.localdate()
        for city, place in CITIES.items():
            numbers = [(code, line) for code in place["area_codes"] for line in range(100)]
            for area_code, line in rng.sample(numbers, HOUSEHOLDS_PER_CITY):
                family_name = rng.choice(FAMILY_NAMES)
                first_name = rng.choice(FIRST_NAMES)
                income = pick(rng, INCOME_WEIGHTS)
                priority = rng.choices(Household.PriorityLevel.values, PRIORITY_WEIGHTS[income])
                registered = today - datetime.timedelta(days=rng.randint(7, 730))
                verified_days_ago = rng.randint(0, min(180, (today - registered).days))
                Household.objects.get_or_create(
                    phone_number=f"+1{area_code}55501{line:02d}",
                    defaults={
                        "family_name": family_name,
                        "primary_contact_name": f"{first_name} {family_name}",
                        "email": (
                            f"{first_name}.{family_name}{rng.randint(1, 99)}@example.com".lower()
                            if rng.random() < 0.35
                            else None
                        ),
                        "address": self.street_address(rng, place),
                        "city": city,
                        "state": place["state"],
                        "zip_code": rng.choice(place["zip_codes"]),
                        "family_size": pick(rng, FAMILY_SIZE_WEIGHTS),
                        "income_level": income,
                        "priority_level": priority[0],
                        "registration_date": registered,
                        "last_verified_date": (
                            today - datetime.timedelta(days=verified_days_ago)
                            if rng.random() < 0.7
                            else None
                        ),
                        "status": pick(rng, STATUS_WEIGHTS),
                        "notes": rng.choice(NOTES) if rng.random() < 0.12 else None,
                    },
                )

    def seed_members(self, rng, worker):
        """Members for every third household, once: a second run adds none."""
        if HouseholdMember.objects.exists():
            return
        relations = ["spouse", "child", "child", "parent", "sibling", "other_relative"]
        today = timezone.localdate()
        for household in Household.objects.order_by("pk")[::3]:
            people = [(household.primary_contact_name, "head", 25, 70)]
            people += [
                (f"{rng.choice(FIRST_NAMES)} {household.family_name}", rng.choice(relations), 0, 17)
                for _ in range(household.family_size - 1)
            ]
            for name, relation, youngest, oldest in people:
                born = today - datetime.timedelta(days=365 * rng.randint(youngest, oldest) + 40)
                save_member(
                    member=HouseholdMember(
                        household=household,
                        full_name=name,
                        sex=rng.choice(["female", "male"]),
                        date_of_birth=born if rng.random() < 0.9 else None,
                        relationship_to_head=relation,
                    ),
                    staff=worker,
                )

    def seed_members_of_other_sex(self, worker):
        """One more member, of sex "other" or not recorded, in every seventh household with
        members, once: the reports' "other or unknown sex" row then has people in it."""
        if HouseholdMember.objects.exclude(sex__in=["female", "male"]).exists():
            return
        today = timezone.localdate()
        households = Household.objects.filter(members__isnull=False).distinct().order_by("pk")
        for number, household in enumerate(households[::7]):
            years = number * 13 % 80  # 0 to 79: every age group
            save_member(
                member=HouseholdMember(
                    household=household,
                    full_name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {household.family_name}",
                    sex=HouseholdMember.Sex.UNKNOWN if number % 2 else HouseholdMember.Sex.OTHER,
                    date_of_birth=(
                        None
                        if number % 3 == 2
                        else today - datetime.timedelta(days=365 * years + 40)
                    ),
                    relationship_to_head="other_relative",
                ),
                staff=worker,
            )

    def seed_cards(self, worker):
        """A card for every active household that has none (as a worker would issue them)."""
        households = Household.objects.filter(status=Household.Status.ACTIVE).order_by("pk")
        issue_missing_cards(households=households, staff=worker)

    def seed_possible_duplicates(self):
        """Four families registered twice under other spellings, queued for a manager.

        Each second registration goes through the matcher as a new one would, so the
        review queue shows real evidence; a pair already queued or decided is kept.
        """
        twins = [  # (family name, contact, address, phone) registered first, then again
            (
                "Chicago",
                ("Al-Hassan", "Mohamed Al-Hassan", "1420 W Division Street", "+13125550201"),
                ("Hassan", "Muhammad Hassan", "1420 W Division St", "+17735550202"),
            ),
            (
                "Austin",
                ("Youssef", "Fatma Youssef", "388 Manor Road, Apt 4", "+15125550203"),
                ("Yusuf", "Fatima Yusuf", "388 Manor Rd Apt 4", "+17375550204"),
            ),
            (
                "Austin",  # a new address, but the phone differs only in its area code
                ("Osman", "Abdul Rahman Osman", "77 Webberville Road", "+15125550205"),
                ("Usman", "Abdulrahman Usman", "2310 Springdale Road", "+17375550205"),
            ),
            (
                "Chicago",
                ("Núñez", "José Núñez", "2250 S Pulaski Road", "+13125550207"),
                ("Nunez", "Jose Nunez", "2250 S. Pulaski Rd", "+17735550208"),
            ),
        ]
        today = timezone.localdate()
        for city, *registrations in twins:
            saved = []
            for days_ago, (family, contact, address, phone) in zip(
                (400, 12), registrations, strict=True
            ):
                household, _ = Household.objects.get_or_create(
                    phone_number=phone,
                    defaults={
                        "family_name": family,
                        "primary_contact_name": contact,
                        "address": address,
                        "city": city,
                        "state": CITIES[city]["state"],
                        "zip_code": CITIES[city]["zip_codes"][0],
                        "family_size": 5,
                        "income_level": Household.IncomeLevel.VERY_LOW,
                        "registration_date": today - datetime.timedelta(days=days_ago),
                    },
                )
                saved.append(household)
            newer = saved[-1]
            (matches,) = possible_duplicates([Candidate.of(newer)], exclude_ids={newer.pk})
            record_possible_duplicates(household=newer, matches=matches)

    @staticmethod
    def street_address(rng, place):
        address = f"{rng.randint(100, 9899)} {rng.choice(place['streets'])}"
        return f"{address}, Apt {rng.randint(1, 24)}" if rng.random() < 0.3 else address

    @staticmethod
    def has_activity(centers):
        return (
            StockMovement.objects.filter(inventory__center__in=centers).exists()
            or DistributionLog.objects.filter(center__in=centers).exists()
        )

    def seed_stock_and_history(self, rng, centers, packages, teams):
        """Stock every center through the services, then serve some of its households.

        distribute_package stamps the current time and the log refuses UPDATE, so the
        history is dated today rather than back-dated; it is spread over every center
        and package instead. Each row's deliveries cover what is handed out plus what
        should be left: plenty, LOW (at or below the reorder level) or OUT (zero).
        """
        active = Household.objects.filter(status=Household.Status.ACTIVE).order_by("pk")
        for index, (center, (manager, recorders)) in enumerate(zip(centers, teams, strict=True)):
            neighbours = list(active.filter(city=center.city))
            for package in packages:
                reorder_level = PACKAGES[package.category][-1]
                served = rng.sample(neighbours, rng.randint(4, 14))
                units = [
                    2 if package.category == Category.FOOD and household.family_size >= 7 else 1
                    for household in served
                ]
                alert = STOCK_ALERTS.get((index, package.category))
                if alert == OUT:
                    left = 0
                elif alert == LOW:
                    left = rng.randint(1, reorder_level)
                else:
                    left = rng.randint(2 * reorder_level, 6 * reorder_level)
                total = sum(units) + left
                first_delivery = max(1, total * 2 // 3)
                inventory = restock(
                    center=center,
                    package=package,
                    quantity=first_delivery,
                    staff=manager,
                    **demo_lot(package, index, 1),
                )
                if total > first_delivery:
                    restock(
                        center=center,
                        package=package,
                        quantity=total - first_delivery,
                        staff=manager,
                        **demo_lot(package, index, 2),
                    )
                set_reorder_level(inventory=inventory, reorder_level=reorder_level, staff=manager)
                for household, quantity in zip(served, units, strict=True):
                    distribute_package(
                        household=household,
                        package=package,
                        center=center,
                        staff=rng.choice(recorders),
                        quantity=quantity,
                    )

    def seed_refused_attempts(self, centers, packages, teams, volunteer):
        """Record a few realistic refusals; each leaves a `failed` row in the log."""
        by_category = {package.category: package for package in packages}
        food = by_category[Category.FOOD]
        attempts = []
        for center, (_, recorders) in zip(centers[:3], teams, strict=False):
            served = DistributionLog.objects.filter(
                center=center, package=food, transaction_status=DistributionLog.Status.SUCCESS
            ).first()
            attempts.append((served.household, food, center, recorders[0]))
        for status, center, (_, recorders) in (
            (Household.Status.SUSPENDED, centers[0], teams[0]),
            (Household.Status.INACTIVE, centers[4], teams[4]),
        ):
            household = Household.objects.filter(city=center.city, status=status).first()
            if household:
                attempts.append((household, food, center, recorders[0]))
        for (index, category), alert in STOCK_ALERTS.items():
            if alert == OUT:
                package = by_category[category]
                household = (
                    Household.objects.filter(
                        city=centers[index].city, status=Household.Status.ACTIVE
                    )
                    .exclude(distribution_logs__package=package)
                    .first()
                )
                attempts.append((household, package, centers[index], teams[index][1][0]))
        # A volunteer may only record at their own center.
        attempts.append(
            (Household.objects.filter(city=centers[1].city).first(), food, centers[1], volunteer)
        )
        for household, package, center, staff in attempts:
            try:
                distribute_package(household=household, package=package, center=center, staff=staff)
            except DistributionRefused:
                continue

    def report(self, centers, logins):
        distributions = DistributionLog.objects.filter(center__in=centers)
        inventory = Inventory.objects.filter(center__in=centers)
        low = sum(1 for row in inventory if 0 < row.quantity_on_hand <= row.reorder_level)
        self.stdout.write(
            f"Demo world: {len(centers)} centers, {AidPackage.objects.count()} packages, "
            f"{Household.objects.count()} households, {inventory.count()} stock rows "
            f"({low} low, {inventory.filter(quantity_on_hand=0).count()} out of stock), "
            f"{distributions.filter(transaction_status='success').count()} distributions and "
            f"{distributions.filter(transaction_status='failed').count()} refused attempts."
        )
        cards = HouseholdCard.objects.filter(revoked_at__isnull=True).select_related("household")
        first = list(cards.order_by("household_id")[:CARDS_SHOWN])
        ids = ",".join(str(card.household_id) for card in first)
        self.stdout.write(
            f"{cards.count()} households have a card. Print the first sheet at "
            f"{DEMO_URL}households/cards/?ids={ids}"
        )
        if first:
            card = first[0]
            self.stdout.write(
                f"Serve a visit: Distribute, then scan or type card {card.display_code} "
                f"({card.household.family_name}, household #{card.household_id})."
            )
        self.stdout.write(f"\nOpen {DEMO_URL} and sign in with password {DEMO_PASSWORD!r}:\n")
        self.stdout.write(f"  {'username':<10} {'role':<10} {'center':<28} Django admin")
        for username, *_, role in LOGINS:
            staff = logins[role]
            center = staff.center.center_name if staff.center else "all centers"
            admin = "yes" if staff.user.is_staff else "no"
            self.stdout.write(f"  {username:<10} {role:<10} {center:<28} {admin}")
        self.stdout.write("")
