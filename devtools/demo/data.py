"""What the demo world looks like: places, people, packages, names, and how the day ends.

Everything here is data, not portal text: names, addresses and notes are what staff
would have typed, so none of it is marked for translation.
"""

from centers.models import StaffMember
from inventory.models import AidPackage

DEMO_PASSWORD = "aidtracker-demo"
DEMO_URL = "http://127.0.0.1:8000/"
SEED = 20240615
HOUSEHOLDS_PER_CITY = 60

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

# Staff without a login at the other centers: (role, first name, last name, the language
# they read the portal in; blank follows the browser). The logins above follow theirs.
LOCAL_STAFF = [
    (
        (Role.MANAGER, "Monique", "Jackson", ""),
        (Role.WORKER, "Luis", "Ortega", "es"),
        (Role.VOLUNTEER, "Yasmin", "Haddad", "ar"),
    ),
    ((Role.MANAGER, "Claire", "Thibodeaux", "fr"), (Role.WORKER, "Marcus", "Batiste", "")),
    ((Role.MANAGER, "Hannah", "Lindqvist", ""), (Role.WORKER, "Diego", "Archuleta", "es")),
    ((Role.MANAGER, "Rosa", "Begay", ""), (Role.WORKER, "Kevin", "Tran", "")),
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

# The history: the six months before the current one and the current one up to today,
# back-dated in bulk. About this many attempts are planned; those before a household
# registered are left out.
HISTORY_MONTHS = 6
HISTORY_ATTEMPTS = 5_200
HISTORY_FAILURE_RATE = 0.03
HISTORY_VOID_RATE = 0.01
# How often the history hands each package out, relative to the others.
HANDOUT_WEIGHTS = {
    Category.FOOD: 10,
    Category.HYGIENE: 7,
    Category.MEDICAL: 3,
    Category.EDUCATION: 3,
    Category.EMERGENCY: 2,
    Category.SHELTER: 2,
}
HISTORY_VOID_REASONS = (
    "Recorded against the wrong household.",
    "The family returned it unopened.",
    "Entered at the wrong center.",
)

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

# Today, through the services: households served at each center, and the chance that a
# visit takes each package the household may have.
VISITS_TODAY = (14, 9, 10, 8, 9)
TAKE_CHANCE = {
    Category.FOOD: 0.9,
    Category.HYGIENE: 0.6,
    Category.MEDICAL: 0.25,
    Category.EDUCATION: 0.3,
    Category.EMERGENCY: 0.2,
    Category.SHELTER: 0.12,
}
COLLECTED_BY_CHANCE = 0.12  # a neighbour or relative collects for the household
# Rows whose last visitor of the day gets one unit and is owed the rest.
OWED = ((0, Category.HYGIENE), (2, Category.FOOD), (4, Category.FOOD))
WRITE_OFF_NOTE = "Counted at the stock take: water damage in the storeroom."

# Deliveries after the visits, each a lot kept on the shelf tonight:
# (center index, category, units, days until expiry, lot code, notes).
LATE_DELIVERIES = (
    (0, Category.FOOD, 15, 19, "GB-4471", "Food bank donation, short-dated."),
    (0, Category.MEDICAL, 6, -4, "RX-0932", "Pharmacy donation, past its date: to write off."),
    (1, Category.MEDICAL, 5, 11, "RX-1207", "Pharmacy donation, short-dated."),
    (3, Category.FOOD, 12, 26, "GB-4502", "Food bank donation, short-dated."),
)
# (source index, destination index, category, units sent, units received or None while
# in transit, dispatch notes, receipt notes).
TRANSFERS = (
    (3, 0, Category.FOOD, 20, 18, "Van 2, seal 48113.", "Two baskets crushed in the van."),
    (0, 2, Category.FOOD, 30, None, "Box truck to New Orleans, seal 52270.", ""),
    (4, 0, Category.SHELTER, 8, None, "Pickup, seal 51984.", ""),
)
VOID_CATEGORIES = (Category.EDUCATION, Category.MEDICAL, Category.FOOD)
VOID_REASON = "Returned unopened: a partner agency had given them one the day before."

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

# The language a household reads (its card and receipts print in it): households whose
# notes say so, and some of the families with these names.
NOTED_LANGUAGES = {"Prefers Spanish.": "es", "Prefers Arabic.": "ar"}
FAMILY_LANGUAGES = {
    "es": (  # noqa: SIM905
        "Garcia Martinez Hernandez Lopez Rodriguez Castillo Morales Reyes Cruz Ramirez "
        "Flores Rivera Gomez Diaz Torres Sanchez Romero Lucero"
    ).split(),
    "ar": "Haddad Mohammed Hussein Ali Ibrahim Yusuf".split(),  # noqa: SIM905
    "fr": ("Baptiste", "Fontenot"),
}
FAMILY_LANGUAGE_CHANCE = 0.4
