"""The demo's centers, packages, staff and households: created once, found again after.

Each is looked up by what identifies it (a center's name, a login's username, a staff
member's email, a household's phone), so a second run creates nothing new; it resets
the logins' passwords.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from households.duplicates import Candidate, possible_duplicates, record_possible_duplicates
from households.models import Household, HouseholdMember
from households.services import issue_missing_cards, save_member
from inventory.models import AidPackage

from .data import (
    CENTERS,
    CITIES,
    DEMO_PASSWORD,
    ENTITLEMENTS,
    FAMILY_LANGUAGE_CHANCE,
    FAMILY_LANGUAGES,
    FAMILY_NAMES,
    FAMILY_SIZE_WEIGHTS,
    FIRST_NAMES,
    HOUSEHOLDS_PER_CITY,
    INCOME_WEIGHTS,
    LOCAL_STAFF,
    LOGINS,
    NOTED_LANGUAGES,
    NOTES,
    PACKAGES,
    PRIORITY_WEIGHTS,
    STATUS_WEIGHTS,
    Role,
)


@dataclass(frozen=True)
class Team:
    """Who works a center: the manager restocks and sends stock, the recorders serve."""

    manager: StaffMember
    recorders: tuple


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed_centers():
    return [seed_center(*row) for row in CENTERS]


def seed_center(name, address, city, zip_code, area_code, capacity):
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


def seed_packages():
    return [seed_package(category, *row) for category, row in PACKAGES.items()]


def seed_package(category, name, description, kg, cost, validity_days, _reorder):
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


def seed_logins(center):
    """Create or reset one login per role, all with the demo password; {role: staff}."""
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


def seed_teams(centers, logins):
    """One Team per center: the logins' at the first, staff without a login elsewhere."""
    teams = [Team(logins[Role.MANAGER], (logins[Role.WORKER], logins[Role.VOLUNTEER]))]
    for center, people in zip(centers[1:], LOCAL_STAFF, strict=True):
        staff = [seed_local_staff(center, *person) for person in people]
        teams.append(
            Team(
                manager=next(member for member in staff if member.role == Role.MANAGER),
                recorders=tuple(member for member in staff if member.role != Role.MANAGER),
            )
        )
    return teams


def seed_local_staff(center, role, first_name, last_name, language):
    staff, _ = StaffMember.objects.get_or_create(
        email=f"{first_name}.{last_name}@aidtracker.example.org".lower(),
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "role": role,
            "center": center,
            "hire_date": datetime.date(2022, 9, 12),
            "language": language,
        },
    )
    return staff


def household_language(rng, family_name, notes):
    """The language a household reads, "" for the portal's default."""
    if notes in NOTED_LANGUAGES:
        return NOTED_LANGUAGES[notes]
    for language, families in FAMILY_LANGUAGES.items():
        if family_name in families and rng.random() < FAMILY_LANGUAGE_CHANCE:
            return language
    return ""


def seed_households(rng):
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
            notes = rng.choice(NOTES) if rng.random() < 0.12 else None
            defaults = {
                "family_name": family_name,
                "primary_contact_name": f"{first_name} {family_name}",
                "email": (
                    f"{first_name}.{family_name}{rng.randint(1, 99)}@example.com".lower()
                    if rng.random() < 0.35
                    else None
                ),
                "address": street_address(rng, place),
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
                "notes": notes,
                "preferred_language": household_language(rng, family_name, notes),
            }
            Household.objects.get_or_create(
                phone_number=f"+1{area_code}55501{line:02d}", defaults=defaults
            )


def street_address(rng, place):
    address = f"{rng.randint(100, 9899)} {rng.choice(place['streets'])}"
    return f"{address}, Apt {rng.randint(1, 24)}" if rng.random() < 0.3 else address


def seed_possible_duplicates():
    """Four families registered twice under other spellings, queued for a manager.

    Each second registration goes through the matcher as a new one would, so the
    review queue shows real evidence; a pair already queued or decided is kept.
    """
    twins = [  # (city, language, then (family name, contact, address, phone) twice)
        (
            "Chicago",
            "ar",
            ("Al-Hassan", "Mohamed Al-Hassan", "1420 W Division Street", "+13125550201"),
            ("Hassan", "Muhammad Hassan", "1420 W Division St", "+17735550202"),
        ),
        (
            "Austin",
            "ar",
            ("Youssef", "Fatma Youssef", "388 Manor Road, Apt 4", "+15125550203"),
            ("Yusuf", "Fatima Yusuf", "388 Manor Rd Apt 4", "+17375550204"),
        ),
        (
            "Austin",  # a new address, but the phone differs only in its area code
            "",
            ("Osman", "Abdul Rahman Osman", "77 Webberville Road", "+15125550205"),
            ("Usman", "Abdulrahman Usman", "2310 Springdale Road", "+17375550205"),
        ),
        (
            "Chicago",
            "es",
            ("Núñez", "José Núñez", "2250 S Pulaski Road", "+13125550207"),
            ("Nunez", "Jose Nunez", "2250 S. Pulaski Rd", "+17735550208"),
        ),
    ]
    today = timezone.localdate()
    for city, language, *registrations in twins:
        saved = []
        for days_ago, (family, contact, address, phone) in zip(
            (400, 12), registrations, strict=True
        ):
            defaults = {
                "family_name": family,
                "primary_contact_name": contact,
                "address": address,
                "city": city,
                "state": CITIES[city]["state"],
                "zip_code": CITIES[city]["zip_codes"][0],
                "family_size": 5,
                "income_level": Household.IncomeLevel.VERY_LOW,
                "registration_date": today - datetime.timedelta(days=days_ago),
                "preferred_language": language,
            }
            household, _ = Household.objects.get_or_create(phone_number=phone, defaults=defaults)
            saved.append(household)
        newer = saved[-1]
        (matches,) = possible_duplicates([Candidate.of(newer)], exclude_ids={newer.pk})
        record_possible_duplicates(household=newer, matches=matches)


def seed_members(rng, worker):
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


def seed_members_of_other_sex(worker):
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
                    None if number % 3 == 2 else today - datetime.timedelta(days=365 * years + 40)
                ),
                relationship_to_head="other_relative",
            ),
            staff=worker,
        )


def seed_cards(worker):
    """A card for every active household that has none (as a worker would issue them)."""
    households = Household.objects.filter(status=Household.Status.ACTIVE).order_by("pk")
    issue_missing_cards(households=households, staff=worker)
