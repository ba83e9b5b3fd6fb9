"""What the synthetic load data looks like, and the small pure helpers it is built with.

Kept apart from the planning and loading code so that the shape of the data (names,
cities, the package catalog, how often households visit and how many packages they
take) can be read and tuned in one place.
"""

import datetime

FAMILY_NAMES = (  # noqa: SIM905
    "Abara Adeyemi Ahmadi Akhtar Alvarez Amini Andersen Asante Bakr Banda Barzani Bello "
    "Bianchi Boateng Cabrera Castillo Chowdhury Costa Dahir Delgado Diallo Dlamini Doan "
    "Duarte Ekwueme Farah Fernandes Fofana Garcia Ghani Gomez Gonzalez Guerrero Haddad "
    "Hakimi Hassan Herrera Hoang Hussein Ibrahim Idowu Islam Jaber Jimenez Kamara Kariuki "
    "Karimi Keita Khalil Khan Kipkemboi Kone Kowalski Kumar Lopez Luna Mahmoud Malik "
    "Mansour Martinez Mbeki Medina Mensah Mohammed Molina Morales Moyo Mwangi Nasser "
    "Ndlovu Nguyen Njoroge Novak Nunez Obi Odhiambo Okafor Okonkwo Omar Ortiz Osei Otieno "
    "Pham Popescu Qureshi Rahman Ramirez Rashid Reyes Rodriguez Rojas Saleh Sanchez "
    "Santos Sesay Shah Silva Sow Suarez Tadesse Tesfaye Torres Traore Tran Usman Vargas "
    "Vasquez Wanjiru Yilmaz Yusuf Zapata Zulu"
).split()
GIVEN_NAMES = (  # noqa: SIM905
    "Aisha Amal Ana Bashir Carmen Chinwe Daniel Dina Esther Fatima Grace Hana Ibrahim "
    "Imani Jamal Joseph Kamala Layla Lucia Mariam Maria Mohamed Nadia Nia Omar Pedro "
    "Rania Rosa Samir Sara Thi Tomas Yusuf Zainab"
).split()
STREETS = (  # noqa: SIM905
    "Market Station River Hill Church School Garden Mill Bridge Well Cedar Palm"
).split()
CITIES = (
    ("Springfield", "IL", "62701"),
    ("Riverside", "CA", "92501"),
    ("Fairview", "TN", "37062"),
    ("Greenville", "SC", "29601"),
    ("Franklin", "MA", "02038"),
    ("Clinton", "IA", "52732"),
    ("Madison", "WI", "53703"),
    ("Georgetown", "TX", "78626"),
)
# The catalog created when the database has fewer than MIN_PACKAGES active packages:
# (name, category, estimated cost, validity days, weight of how often it is handed out).
CATALOG = (
    ("Family food basket", "food", "45.00", 30, 10),
    ("Infant nutrition kit", "food", "30.00", 30, 4),
    ("First aid kit", "medical", "25.00", 30, 3),
    ("Shelter kit", "shelter", "120.00", 90, 2),
    ("Hygiene kit", "hygiene", "18.50", 30, 7),
    ("Dignity kit", "hygiene", "15.00", 30, 4),
    ("School kit", "education", "22.00", 60, 3),
    ("Emergency response kit", "emergency", "60.00", 30, 2),
)
MIN_PACKAGES = 6
VISIT_INTERVAL_DAYS = 30
PACKAGES_PER_VISIT = ((1, 0.35), (2, 0.35), (3, 0.2), (4, 0.1))
QUANTITIES = ((1, 0.85), (2, 0.1), (3, 0.05))
HOME_CENTER_SHARE = 0.9
FAILURE_CODES = (("not_eligible", 0.6), ("insufficient_stock", 0.4))
LOAD_NOTE = "Synthetic load data"

# Event kinds, in the order they are applied within one microsecond.
RESTOCK, SUCCESS, VOID, FAILURE = 0, 1, 2, 3


def weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def sql_time(moment):
    """Format a UTC datetime the way both backends store DATETIME(6)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def month_starts(first, last):
    """Return the first instant (UTC) of every month from `first`'s month to `last`'s."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.datetime(year, month, 1, tzinfo=datetime.UTC))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
