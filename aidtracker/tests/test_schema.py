"""The live database schema matches the seed design (docs/ARCHITECTURE.md, "Schema").

The expectations below are copied from the seed document, not derived from the
models, so a model change that drifts from the seed fails here. The live schema is
read from the database's own catalogue: information_schema on MySQL/MariaDB,
PRAGMA and sqlite_master on SQLite.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from distribution.models import DistributionLog
from households.models import Household
from inventory.models import AidPackage, Inventory, StockMovement

pytestmark = pytest.mark.django_db

MYSQL = connection.vendor == "mysql"


@dataclass(frozen=True)
class Col:
    """One column as the seed declares it."""

    name: str
    kind: str  # int, varchar, enum, text, decimal, date, datetime, bool
    not_null: bool = False
    length: int | None = None
    digits: tuple[int, int] | None = None
    choices: tuple[str, ...] = ()


def INT(name, not_null=False):
    return Col(name, "int", not_null)


def VARCHAR(name, length, not_null=False):
    return Col(name, "varchar", not_null, length=length)


def ENUM(name, *choices, not_null=False):
    return Col(name, "enum", not_null, choices=choices)


def DECIMAL(name, precision, scale, not_null=False):
    return Col(name, "decimal", not_null, digits=(precision, scale))


def TEXT(name):
    return Col(name, "text")


def DATE(name, not_null=False):
    return Col(name, "date", not_null)


def TIMESTAMP(name, not_null=False):
    return Col(name, "datetime", not_null)


def BOOLEAN(name):
    return Col(name, "bool")


CENTER_STATUSES = ("active", "inactive", "maintenance")
CATEGORIES = ("food", "medical", "shelter", "hygiene", "education", "emergency")
INCOME_LEVELS = ("no_income", "very_low", "low", "moderate")
PRIORITY_LEVELS = ("critical", "high", "medium", "low")
HOUSEHOLD_STATUSES = ("active", "inactive", "suspended")
ROLES = ("admin", "manager", "worker", "volunteer")
STAFF_STATUSES = ("active", "inactive", "on_leave")
LOG_STATUSES = ("success", "failed", "cancelled")
MOVEMENT_KINDS = (
    "restock",
    "adjustment",
    "transfer_out",
    "transfer_in",
    "transfer_cancelled",
    "transit_loss",
)
MOVEMENT_REASONS = (
    "delivery",
    "damaged",
    "expired",
    "lost",
    "found",
    "count_correction",
    "transfer",
)

SEED_COLUMNS = {
    "Distribution_Centers": [
        INT("center_id", not_null=True),
        VARCHAR("center_name", 100, not_null=True),
        VARCHAR("address", 255, not_null=True),
        VARCHAR("city", 100, not_null=True),
        VARCHAR("state", 50, not_null=True),
        VARCHAR("zip_code", 10, not_null=True),
        VARCHAR("phone_number", 20),
        VARCHAR("email", 100),
        INT("capacity", not_null=True),
        ENUM("status", *CENTER_STATUSES),
        TIMESTAMP("created_at"),
        TIMESTAMP("updated_at"),
    ],
    "Aid_Packages": [
        INT("package_id", not_null=True),
        VARCHAR("package_name", 100, not_null=True),
        TEXT("description"),
        ENUM("category", *CATEGORIES, not_null=True),
        DECIMAL("unit_weight_kg", 8, 2),
        DECIMAL("estimated_cost", 10, 2, not_null=True),
        INT("validity_period_days", not_null=True),
        BOOLEAN("is_active"),
        TIMESTAMP("created_at"),
        TIMESTAMP("updated_at"),
    ],
    "Households": [
        INT("household_id", not_null=True),
        VARCHAR("family_name", 100, not_null=True),
        VARCHAR("primary_contact_name", 100, not_null=True),
        VARCHAR("phone_number", 20, not_null=True),
        VARCHAR("email", 100),
        VARCHAR("address", 255, not_null=True),
        VARCHAR("city", 100, not_null=True),
        VARCHAR("state", 50, not_null=True),
        VARCHAR("zip_code", 10, not_null=True),
        INT("family_size", not_null=True),
        ENUM("income_level", *INCOME_LEVELS, not_null=True),
        ENUM("priority_level", *PRIORITY_LEVELS),
        DATE("registration_date", not_null=True),
        DATE("last_verified_date"),
        ENUM("status", *HOUSEHOLD_STATUSES),
        TEXT("notes"),
        TIMESTAMP("created_at"),
        TIMESTAMP("updated_at"),
    ],
    "Staff_Members": [
        INT("staff_id", not_null=True),
        VARCHAR("first_name", 50, not_null=True),
        VARCHAR("last_name", 50, not_null=True),
        VARCHAR("email", 100, not_null=True),
        VARCHAR("phone_number", 20),
        ENUM("role", *ROLES),
        INT("center_id"),
        DATE("hire_date", not_null=True),
        ENUM("status", *STAFF_STATUSES),
        TIMESTAMP("created_at"),
        TIMESTAMP("updated_at"),
    ],
    "Inventory": [
        INT("inventory_id", not_null=True),
        INT("center_id", not_null=True),
        INT("package_id", not_null=True),
        INT("quantity_on_hand", not_null=True),
        INT("reorder_level", not_null=True),
        DATE("last_restock_date"),
        INT("last_restock_quantity"),
        TIMESTAMP("created_at"),
        TIMESTAMP("updated_at"),
    ],
    "Distribution_Log": [
        INT("log_id", not_null=True),
        INT("household_id", not_null=True),
        INT("package_id", not_null=True),
        INT("center_id", not_null=True),
        INT("staff_id"),
        INT("quantity_distributed", not_null=True),
        TIMESTAMP("distribution_date"),
        ENUM("transaction_status", *LOG_STATUSES),
        VARCHAR("failure_reason", 255),
        TEXT("notes"),
        # Project additions (docs/ARCHITECTURE.md): refusal code and the void's original.
        VARCHAR("failure_code", 32),
        INT("voided_log_id"),
    ],
    # Not in the seed: design fix 5 (docs/ARCHITECTURE.md), the append-only stock movement log.
    "Stock_Movements": [
        INT("movement_id", not_null=True),
        INT("inventory_id", not_null=True),
        ENUM("kind", *MOVEMENT_KINDS, not_null=True),
        ENUM("reason", *MOVEMENT_REASONS, not_null=True),
        INT("quantity_change", not_null=True),
        INT("quantity_after", not_null=True),
        INT("staff_id"),
        TEXT("notes"),
        TIMESTAMP("created_at", not_null=True),
    ],
}

# Columns the seed indexes (primary, unique, secondary, foreign key): each must lead
# some index, so a lookup on it alone can use one.
SEED_INDEXED = {
    "Distribution_Centers": ["center_id", "city", "status"],
    "Aid_Packages": ["package_id", "category", "is_active"],
    "Households": [
        "household_id",
        "phone_number",
        "city",
        "status",
        "priority_level",
        "registration_date",
    ],
    "Staff_Members": ["staff_id", "email", "role", "status", "center_id"],
    "Inventory": ["inventory_id", "center_id", "package_id", "quantity_on_hand"],
    "Distribution_Log": [
        "log_id",
        "household_id",
        "package_id",
        "center_id",
        "staff_id",
        "distribution_date",
        "transaction_status",
    ],
    "Stock_Movements": ["movement_id", "inventory_id", "staff_id", "created_at"],
}

SEED_UNIQUE = {
    "Distribution_Centers": [("center_id",)],
    "Aid_Packages": [("package_id",)],
    "Households": [("household_id",), ("phone_number",)],
    "Staff_Members": [("staff_id",), ("email",)],
    "Inventory": [("inventory_id",), ("center_id", "package_id")],
    "Distribution_Log": [("log_id",), ("voided_log_id",)],
    "Stock_Movements": [("movement_id",)],
}

SEED_VIEWS = {"vw_current_inventory_status", "vw_household_eligibility", "vw_monthly_summary"}

APPEND_ONLY_TRIGGERS = {
    ("trg_distribution_log_no_update", "Distribution_Log", "UPDATE"),
    ("trg_distribution_log_no_delete", "Distribution_Log", "DELETE"),
    ("trg_stock_movements_no_update", "Stock_Movements", "UPDATE"),
    ("trg_stock_movements_no_delete", "Stock_Movements", "DELETE"),
}

MODEL_FOR_TABLE = {
    "Distribution_Centers": DistributionCenter,
    "Aid_Packages": AidPackage,
    "Households": Household,
    "Staff_Members": StaffMember,
    "Inventory": Inventory,
    "Distribution_Log": DistributionLog,
    "Stock_Movements": StockMovement,
}


# --- Reading the live catalogue ---------------------------------------------------


@dataclass(frozen=True)
class LiveCol:
    type: str  # lower-case base type name as the database reports it
    not_null: bool
    length: int | None
    digits: tuple[int, int] | None


SQLITE_TYPE = re.compile(r"^\s*([a-z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")


def live_columns(table):
    """Return {column name: LiveCol} for `table`."""
    with connection.cursor() as cursor:
        if MYSQL:
            cursor.execute(
                "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, "
                "NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
                [table],
            )
            return {
                name: LiveCol(
                    data_type.lower(),
                    nullable == "NO",
                    length,
                    (precision, scale) if data_type.lower() == "decimal" else None,
                )
                for name, data_type, nullable, length, precision, scale in cursor.fetchall()
            }
        cursor.execute(f"PRAGMA table_info({connection.ops.quote_name(table)})")
        columns = {}
        for _cid, name, declared, notnull, _default, pk in cursor.fetchall():
            base, first, second = SQLITE_TYPE.match(declared.lower()).groups()
            columns[name] = LiveCol(
                base,
                bool(notnull) or bool(pk),
                int(first) if first and base in ("varchar", "char") else None,
                (int(first), int(second or 0)) if first and base == "decimal" else None,
            )
        return columns


def live_indexes(table):
    """Return [(is_unique, (column, ...))] for every index of `table`, primary key included."""
    with connection.cursor() as cursor:
        if MYSQL:
            cursor.execute(
                "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
                "ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                [table],
            )
            indexes = {}
            for name, non_unique, column in cursor.fetchall():
                indexes.setdefault(name, (not non_unique, []))[1].append(column)
            return [(unique, tuple(columns)) for unique, columns in indexes.values()]

        quoted = connection.ops.quote_name(table)
        cursor.execute(f"PRAGMA table_info({quoted})")
        # An INTEGER PRIMARY KEY is the rowid itself and has no entry in index_list.
        primary = tuple(row[1] for row in sorted(cursor.fetchall(), key=lambda r: r[5]) if row[5])
        indexes = [(True, primary)] if primary else []
        cursor.execute(f"PRAGMA index_list({quoted})")
        for _seq, name, unique, _origin, _partial in cursor.fetchall():
            cursor.execute(f"PRAGMA index_info({connection.ops.quote_name(name)})")
            columns = tuple(column for _seqno, _cid, column in sorted(cursor.fetchall()))
            indexes.append((bool(unique), columns))
        return indexes


def live_views():
    with connection.cursor() as cursor:
        if MYSQL:
            cursor.execute(
                "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'view'")
        return {name for (name,) in cursor.fetchall()}


def live_triggers():
    """Return {(name, table, event)} for BEFORE triggers."""
    with connection.cursor() as cursor:
        if MYSQL:
            cursor.execute(
                "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, EVENT_MANIPULATION "
                "FROM information_schema.TRIGGERS "
                "WHERE TRIGGER_SCHEMA = DATABASE() AND ACTION_TIMING = 'BEFORE'"
            )
            return set(cursor.fetchall())
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = set()
        for name, table, sql in cursor.fetchall():
            match = re.search(r"\bBEFORE\s+(UPDATE|DELETE|INSERT)\b", sql, re.IGNORECASE)
            if match:
                triggers.add((name, table, match.group(1).upper()))
        return triggers


# --- Columns ----------------------------------------------------------------------

COMPATIBLE_TYPES = {
    "int": {"int", "integer"},
    "varchar": {"varchar"},
    "enum": {"varchar", "char", "enum"},
    "text": {"text", "mediumtext", "longtext"},
    "decimal": {"decimal", "numeric"},
    "date": {"date"},
    "datetime": {"datetime", "timestamp"},
    "bool": {"tinyint", "bool", "boolean"},
}

SEED_COLUMN_CASES = [
    pytest.param(table, column, id=f"{table}.{column.name}")
    for table, columns in SEED_COLUMNS.items()
    for column in columns
]


@pytest.mark.parametrize(("table", "seed"), SEED_COLUMN_CASES)
def test_seed_column_exists_with_compatible_type_and_nullability(table, seed):
    live = live_columns(table)
    assert seed.name in live, f"{table}.{seed.name} is missing"
    column = live[seed.name]

    assert column.type in COMPATIBLE_TYPES[seed.kind], (seed, column)
    if seed.not_null:
        assert column.not_null, f"{table}.{seed.name} must be NOT NULL"
    if seed.kind == "varchar":
        assert column.length == seed.length
    if seed.kind == "enum" and column.length is not None:
        assert column.length >= max(map(len, seed.choices))
    if seed.kind == "decimal" and (MYSQL or column.digits is not None):
        # SQLite does not keep a declared precision; MySQL/MariaDB must match the seed.
        assert column.digits == seed.digits


@pytest.mark.parametrize(
    ("table", "seed"),
    [param for param in SEED_COLUMN_CASES if param.values[1].kind == "enum"],
)
def test_enum_column_choices_are_the_seed_values(table, seed):
    field = next(
        field for field in MODEL_FOR_TABLE[table]._meta.concrete_fields if field.column == seed.name
    )
    assert tuple(value for value, _label in field.choices) == seed.choices
    assert field.max_length >= max(map(len, seed.choices))


# --- Indexes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        pytest.param(table, column, id=f"{table}.{column}")
        for table, columns in SEED_INDEXED.items()
        for column in columns
    ],
)
def test_seed_indexed_column_leads_an_index(table, column):
    leading = {columns[0] for _unique, columns in live_indexes(table)}
    assert column in leading, f"no index on {table} starts with {column}"


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        pytest.param(table, columns, id=f"{table}.{'+'.join(columns)}")
        for table, uniques in SEED_UNIQUE.items()
        for columns in uniques
    ],
)
def test_seed_unique_is_a_unique_index(table, columns):
    unique_indexes = {cols for unique, cols in live_indexes(table) if unique}
    assert columns in unique_indexes


def test_composite_log_index_has_seed_column_order():
    assert ("household_id", "package_id", "distribution_date") in {
        columns for _unique, columns in live_indexes("Distribution_Log")
    }


# Not in the seed: the name indexes household search reads (households.0004).
HOUSEHOLD_SEARCH_INDEXES = {
    "idx_household_family_name": ["family_name"],
    "idx_household_contact_family": ["primary_contact_name", "family_name"],
}


@pytest.mark.parametrize(("name", "columns"), HOUSEHOLD_SEARCH_INDEXES.items())
def test_household_search_index_exists(name, columns):
    with connection.cursor() as cursor:
        index = connection.introspection.get_constraints(cursor, "Households").get(name)
    assert index is not None, f"Households has no index {name}"
    assert index["index"]
    assert not index["unique"]
    assert index["columns"] == columns


# --- Views and triggers -----------------------------------------------------------


def test_seed_views_exist():
    assert live_views() >= SEED_VIEWS


def test_append_only_triggers_exist():
    assert live_triggers() >= APPEND_ONLY_TRIGGERS


# --- Column defaults --------------------------------------------------------------

STAMP = "2025-01-01 00:00:00"


def insert(table, values):
    """INSERT only `values` into `table` with raw SQL; return the new row's id."""
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(values.values())
        )
        return cursor.lastrowid


@pytest.fixture
def parents():
    """Rows the child tables' foreign keys point at, inserted with raw SQL."""
    stamps = {"created_at": STAMP, "updated_at": STAMP}
    center = insert(
        "Distribution_Centers",
        {
            "center_name": "Depot",
            "address": "1 Quay",
            "city": "Port",
            "state": "PO",
            "zip_code": "10001",
            **stamps,
        },
    )
    package = insert(
        "Aid_Packages",
        {"package_name": "Rice", "category": "food", "estimated_cost": "12.50", **stamps},
    )
    household = insert(
        "Households",
        {"family_name": "Okafor", "primary_contact_name": "Ada Okafor",
         "phone_number": "+12025550188", "address": "2 Hill", "city": "Port", "state": "PO",
         "zip_code": "10001", "family_size": 3, "income_level": "low",
         "registration_date": "2025-01-02", **stamps},
    )  # fmt: skip
    return {"center_id": center, "package_id": package, "household_id": household, **stamps}


SEED_DEFAULTS = [
    pytest.param(
        "Distribution_Centers",
        [],
        {"capacity": 1000, "status": "active"},
        id="Distribution_Centers",
    ),
    pytest.param(
        "Aid_Packages",
        [],
        {"validity_period_days": 30, "is_active": True},
        id="Aid_Packages",
    ),
    pytest.param(
        "Households",
        [],
        {"priority_level": "medium", "status": "active"},
        id="Households",
    ),
    pytest.param(
        "Staff_Members",
        ["center_id"],  # the default role, worker, must have a center
        {"role": "worker", "status": "active"},
        id="Staff_Members",
    ),
    pytest.param(
        "Inventory",
        ["center_id", "package_id", "created_at", "updated_at"],
        {"quantity_on_hand": 0, "reorder_level": 50},
        id="Inventory",
    ),
    pytest.param(
        "Distribution_Log",
        ["household_id", "package_id", "center_id"],
        {"quantity_distributed": 1, "transaction_status": "success"},
        id="Distribution_Log",
    ),
]

REQUIRED_VALUES = {
    "Distribution_Centers": {
        "center_name": "Annex", "address": "3 Quay", "city": "Port", "state": "PO",
        "zip_code": "10001",
    },
    "Aid_Packages": {"package_name": "Soap", "category": "hygiene", "estimated_cost": "3.00"},
    "Households": {
        "family_name": "Diallo", "primary_contact_name": "Awa Diallo",
        "phone_number": "+12025550199", "address": "4 Hill", "city": "Port", "state": "PO",
        "zip_code": "10001", "family_size": 5, "income_level": "no_income",
        "registration_date": "2025-01-03",
    },
    "Staff_Members": {
        "first_name": "Lena", "last_name": "Berg", "email": "lena@example.org",
        "hire_date": "2024-05-01",
    },
    "Inventory": {},
    "Distribution_Log": {},
}  # fmt: skip

TIMESTAMPED = ["Distribution_Centers", "Aid_Packages", "Households", "Staff_Members"]


@pytest.mark.parametrize(("table", "parent_columns", "expected"), SEED_DEFAULTS)
def test_seed_column_defaults_are_database_defaults(parents, table, parent_columns, expected):
    values = dict(REQUIRED_VALUES[table])
    if table in TIMESTAMPED:
        values |= {"created_at": STAMP, "updated_at": STAMP}
    values |= {column: parents[column] for column in parent_columns}

    pk = insert(table, values)

    row = MODEL_FOR_TABLE[table].objects.filter(pk=pk)
    columns = {
        field.column: field.attname for field in MODEL_FOR_TABLE[table]._meta.concrete_fields
    }
    assert row.values(*(columns[name] for name in expected)).get() == expected


def test_distribution_date_defaults_to_the_current_utc_time(parents):
    pk = insert(
        "Distribution_Log",
        {name: parents[name] for name in ("household_id", "package_id", "center_id")},
    )
    stored = DistributionLog.objects.get(pk=pk).distribution_date
    assert abs(stored - timezone.now()) < datetime.timedelta(minutes=5)


@pytest.mark.parametrize("table", [*TIMESTAMPED, "Inventory"])
def test_seed_timestamp_defaults_are_database_defaults(parents, table):
    values = dict(REQUIRED_VALUES[table])
    if table == "Inventory":
        values |= {"center_id": parents["center_id"], "package_id": parents["package_id"]}
    if table == "Staff_Members":  # the default role, worker, must have a center
        values |= {"center_id": parents["center_id"]}
    with transaction.atomic():
        pk = insert(table, values)
    row = MODEL_FOR_TABLE[table].objects.values("created_at", "updated_at").get(pk=pk)
    assert row["created_at"] is not None
    assert row["updated_at"] is not None
