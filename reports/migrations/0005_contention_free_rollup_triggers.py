"""Rollup triggers that never update a row shared by different households; coverage state.

Migration 0003's success trigger incremented Distribution_Monthly_Households rows
shared by every center ((0, '*') and (0, category)) and by every package of a center
((center, '*')), on the first distribution of each household in a month. Those rows
stayed locked until the distribution committed, so concurrent distributions to
different households at different centers queued on them (docs/BENCHMARKS.md).

The triggers below write only:
- the (month, center, package) row of Distribution_Monthly_Rollup, which the same
  transaction's inventory row (center, package) already serialises;
- rows keyed by the household: Distribution_Household_Months (as before), the
  coverage state (Coverage_Last_Service, Coverage_Last_Package) and the *pending*
  changes of the two shared counter tables (Distribution_Monthly_Households_Pending,
  Coverage_Counts_Pending), keyed (household_id, counter key).
Every writer of a household's rows already holds that household's row lock (the
service, the stored procedure and voids lock it first; an UPDATE or INSERT of the
household locks it), so no trigger statement waits for another household's
transaction. `reports.rollup.fold()` adds the pending rows to the counters later,
in its own short transaction (SKIP LOCKED: it never waits for a distribution).

Coverage (the eligibility report) is kept the same way:
- Coverage_Last_Service: each served household's latest successful, not-voided
  distribution (any package) and its center: the center that "has" the household;
- Coverage_Last_Package: the UTC day of its latest one of each package;
- Coverage_Counts (via pending rows): active households per (center, HOUSEHOLDS=0),
  per (center, package) ever received (day ANY_DAY = 1000-01-01) and per (center,
  package, day of the latest one); center 0 = never served. Households triggers
  move a household's counts when its status enters or leaves 'active'.

Every trigger skips the inserts of a connection that has a row in Rollup_Bulk_Load:
only `generate_load_data` writes one, inside its own transaction, and rebuilds the
rollups from the log before it deletes the row and commits (see RollupBulkLoad).

The statements are written once with placeholders: MySQL/MariaDB fills them with
trigger variables, SQLite (no variables) with subqueries, as in 0003. The SQL text is
frozen here (`reports.rollup` has the rebuild and verify of the day). The last
operation fills the coverage tables from the log; the monthly counters need nothing,
since 0003 left them complete and no change is pending yet.
"""

import importlib

from django.db import migrations

from core.db.migrations import VendorRunSQL, drop_if_exists

HM = "Distribution_Household_Months"
MH = "Distribution_Monthly_Households"
MHP = "Distribution_Monthly_Households_Pending"
CC = "Coverage_Counts"
CCP = "Coverage_Counts_Pending"
LAST_SERVICE = "Coverage_Last_Service"
LAST_PACKAGE = "Coverage_Last_Package"

NEW_TRIGGERS = (
    "trg_distribution_log_rollup_success",
    "trg_distribution_log_rollup_void",
    "trg_households_coverage_insert",
    "trg_households_coverage_status",
    "trg_households_coverage_delete",
)


def _fill(template, **values):
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


# --- Monthly households: pending changes instead of shared counters ---------------

# Placeholders: {m} month, {c} center, {cat} category, {hh} household, {first} the
# "never served before" date, {mh_upsert} the vendor's upsert of a pending row.
SCOPES = "{a}.center_id IN ({c}, 0) AND {a}.category IN ({cat}, '*') AND {a}.household_id = {hh}"
PREVIOUS = (
    f"(SELECT MAX(p.month) FROM {HM} p WHERE p.center_id = hm.center_id"
    " AND p.category = hm.category AND p.household_id = hm.household_id"
    " AND p.month < hm.month)"
)
NEXT = (
    f"(SELECT MIN(n.month) FROM {HM} n WHERE n.center_id = hm.center_id"
    " AND n.category = hm.category AND n.household_id = hm.household_id"
    " AND n.month > hm.month)"
)
CHANGED = f"FROM {HM} hm WHERE " + SCOPES.replace("{a}", "hm") + " AND hm.month = {m}"

# After a success (Distribution_Household_Months already counts it): each scope that
# now serves the household this month for the first time counts it under the month
# it served it before; a later month of that scope moves to being "after" this one.
COUNT_SUCCESS = f"""
    INSERT INTO {MHP} (household_id, center_id, category, month, previous_month, households)
    SELECT {{hh}}, x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        SELECT hm.center_id AS center_id, hm.category AS category, hm.month AS month,
               COALESCE({PREVIOUS}, {{first}}) AS previous_month, 1 AS delta
          {CHANGED} AND hm.distributions = 1
        UNION ALL
        SELECT hm.center_id, hm.category, {NEXT}, COALESCE({PREVIOUS}, {{first}}), -1
          {CHANGED} AND hm.distributions = 1
        UNION ALL
        SELECT hm.center_id, hm.category, {NEXT}, hm.month, 1
          {CHANGED} AND hm.distributions = 1
    ) x
     WHERE x.month IS NOT NULL
    {{mh_upsert}};"""

# After a void (Distribution_Household_Months no longer counts it): the reverse, for
# each scope where the household is no longer served this month.
COUNT_VOID = (
    f"""
    INSERT INTO {MHP} (household_id, center_id, category, month, previous_month, households)
    SELECT {{hh}}, x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        SELECT hm.center_id AS center_id, hm.category AS category, hm.month AS month,
               COALESCE({PREVIOUS}, {{first}}) AS previous_month, -1 AS delta
          {CHANGED} AND hm.distributions = 0
        UNION ALL
        SELECT hm.center_id, hm.category, {NEXT}, hm.month, -1
          {CHANGED} AND hm.distributions = 0
        UNION ALL
        SELECT hm.center_id, hm.category, {NEXT}, COALESCE({PREVIOUS}, {{first}}), 1
          {CHANGED} AND hm.distributions = 0
    ) x
     WHERE x.month IS NOT NULL
    {{mh_upsert}};
    DELETE FROM {HM} WHERE """
    + SCOPES.replace("{a}.", "")
    + """ AND month = {m} AND distributions = 0;"""
)

# --- Coverage: pending changes of Coverage_Counts ----------------------------------

# A household's rows in Coverage_Counts, with {center} the center that has it and
# {sign} +1 or -1: the center's households, and for each package it ever received,
# "ever" (day {any}) and the day of its latest one. The packages are enumerated and
# looked up one by one ({join} keeps that order on MySQL): a range over the
# household's rows would also lock the next household's first row (see MYSQL_NOTE).
CONTRIBUTIONS = f"""
        SELECT {{center}} AS center_id, 0 AS package_id, {{any}} AS day, {{sign}} AS delta
        UNION ALL
        SELECT {{center}}, ap.package_id, k.day, {{sign}}
          FROM Aid_Packages ap {{join}} {LAST_PACKAGE} k
            ON k.household_id = {{hh}} AND k.package_id = ap.package_id
        UNION ALL
        SELECT {{center}}, ap.package_id, {{any}}, {{sign}}
          FROM Aid_Packages ap {{join}} {LAST_PACKAGE} k
            ON k.household_id = {{hh}} AND k.package_id = ap.package_id"""


def contributions_statement(parts, guard):
    """INSERT the union of `parts` (CONTRIBUTIONS texts) as pending rows where `guard`."""
    union = "\n        UNION ALL".join(parts)
    return f"""
    INSERT INTO {CCP} (household_id, day, center_id, package_id, households)
    SELECT {{hh}}, x.day, x.center_id, x.package_id, x.delta FROM ({union}
    ) x
     WHERE {guard}
    {{cc_upsert}};"""


# A success moves the household to the center that served it, if this is now its
# latest distribution ({from} -> {to}), then moves its package's latest day.
MOVE_CENTER = contributions_statement(
    [
        _fill(CONTRIBUTIONS, center="{from}", sign="-1"),
        _fill(CONTRIBUTIONS, center="{to}", sign="1"),
    ],
    "{active} AND {to} <> {from}",
)
PACKAGE_DAY = f"""
    INSERT INTO {CCP} (household_id, day, center_id, package_id, households)
    SELECT {{hh}}, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT {{to}} AS center_id, {{pkg}} AS package_id, COALESCE({{last}}, {{any}}) AS day,
               CASE WHEN {{last}} IS NULL THEN 1 ELSE -1 END AS delta
        UNION ALL
        SELECT {{to}}, {{pkg}}, {{new_day}}, 1
    ) x
     WHERE {{active}} AND ({{last}} IS NULL OR {{last}} <> {{new_day}})
    {{cc_upsert}};"""
# A void, a status change or a deletion takes all of a household's rows out, or puts
# them back (with the state of the moment: a void recomputes it in between).
REMOVE_HOUSEHOLD = contributions_statement(
    [_fill(CONTRIBUTIONS, center="{from}", sign="-1")], "{hh} IS NOT NULL AND {active}"
)
ADD_HOUSEHOLD = contributions_statement(
    [_fill(CONTRIBUTIONS, center="{from}", sign="1")], "{hh} IS NOT NULL AND {active}"
)
# A Households trigger: {sign} and {guard} are the trigger's own.
SIGNED_HOUSEHOLD = contributions_statement(
    [_fill(CONTRIBUTIONS, center="{from}", sign="{sign}")], "{guard}"
)

# A void recomputes the household's state from the log (the void row is in it now).
SERVED_ROWS = (
    "FROM Distribution_Log d WHERE d.household_id = {hh} AND d.transaction_status = 'success'"
    " AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id)"
)
RECOMPUTE_STATE = f"""
    DELETE FROM {LAST_PACKAGE} WHERE household_id = {{hh}} AND package_id = {{pkg}};
    INSERT INTO {LAST_PACKAGE} (household_id, package_id, day)
    SELECT d.household_id, d.package_id, MAX({{day_of_d}})
      {SERVED_ROWS} AND d.package_id = {{pkg}}
     GROUP BY d.household_id, d.package_id;
    DELETE FROM {LAST_SERVICE} WHERE household_id = {{hh}};
    INSERT INTO {LAST_SERVICE} (household_id, center_id, served_at, log_id)
    SELECT d.household_id, d.center_id, d.distribution_date, d.log_id
      {SERVED_ROWS}
     ORDER BY d.distribution_date DESC, d.log_id DESC
     LIMIT 1;"""

# --- MySQL/MariaDB: reads into variables, point writes --------------------------------

MYSQL_NOTE = """
MariaDB locks the rows that a trigger's INSERT ... SELECT, UPDATE or DELETE reads,
and a range read also locks the first row past its range: the next household's.
A SELECT ... INTO in a trigger takes no lock (but SET v = (SELECT ...) does). So the
MySQL triggers read a household's own rows into variables, and write with VALUES,
with SELECTs of those variables only, or by full primary key; the only other rows
their locking statements read are Aid_Packages' (written by admins, rarely).
SQLite has one writer at a time, so its triggers keep the set-based statements.
"""


def _mysql_scopes(center, category):
    """The four household scopes of a (center, category), 0 / '*' meaning all."""
    return [(center, category), (center, "'*'"), ("0", category), ("0", "'*'")]


def _hm_where(center, category, hh, month):
    return (
        f"center_id = {center} AND category = {category} "
        f"AND household_id = {hh} AND month = {month}"
    )


def mysql_month_reads(center, category, hh, month):
    """SELECT ... INTO v_n{i}, v_p{i}, v_x{i}: scope i's distributions this month, the
    month it served the household before ({first} if never) and after (NULL if none)."""
    columns, variables = [], []
    for i, (c, cat) in enumerate(_mysql_scopes(center, category), start=1):
        base = f"FROM {HM} WHERE center_id = {c} AND category = {cat} AND household_id = {hh}"
        columns += [
            f"(SELECT distributions {base} AND month = {month})",
            f"COALESCE((SELECT MAX(month) {base} AND month < {month}), {{first}})",
            f"(SELECT MIN(month) {base} AND month > {month})",
        ]
        variables += [f"v_n{i}", f"v_p{i}", f"v_x{i}"]
    return (
        "SELECT "
        + ",\n               ".join(columns)
        + "\n          INTO "
        + ", ".join(variables)
        + ";"
    )


def mysql_month_counts(center, category, hh, month, *, changed, sign):
    """INSERT the pending changes of the scopes whose month `changed` (an SQL condition
    on v_n{i}): sign * (month after previous), and the next month moves from being
    after the previous one to after this one (or back, for a void)."""
    rows = []
    for i, (c, cat) in enumerate(_mysql_scopes(center, category), start=1):
        keep = changed.format(n=f"v_n{i}")
        rows += [
            f"SELECT {c} AS center_id, {cat} AS category, {month} AS month, "
            f"v_p{i} AS previous_month, {sign} AS delta, {keep} AS wanted",
            f"SELECT {c}, {cat}, v_x{i}, v_p{i}, -({sign}), {keep} AND v_x{i} IS NOT NULL",
            f"SELECT {c}, {cat}, v_x{i}, {month}, {sign}, {keep} AND v_x{i} IS NOT NULL",
        ]
    union = "\n        UNION ALL ".join(rows)
    return f"""INSERT INTO {MHP} (household_id, center_id, category, month, previous_month, households)
    SELECT {hh}, x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        {union}
    ) x
     WHERE x.wanted
    {{mh_upsert}};"""


def mysql_month_points(template, center, category, hh, month):
    """One statement per scope, each on one row by its whole primary key."""
    return "\n            ".join(
        template.format(where=_hm_where(c, cat, hh, month))
        for c, cat in _mysql_scopes(center, category)
    )


MYSQL_MONTH_VARIABLES = """
    DECLARE v_n1, v_n2, v_n3, v_n4 INT;
    DECLARE v_p1, v_p2, v_p3, v_p4, v_x1, v_x2, v_x3, v_x4 DATE;"""

# A void recomputes the household's state from the log (the void row is in it now).
MYSQL_RECOMPUTE_STATE = f"""
            SELECT (
                SELECT MAX(DATE(d.distribution_date))
                  FROM Distribution_Log d FORCE INDEX (idx_household_package_date)
                 WHERE d.household_id = v_household_id AND d.package_id = v_package_id
                   AND d.transaction_status = 'success'
                   AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id)
            ) INTO v_day;
            DELETE FROM {LAST_PACKAGE}
             WHERE household_id = v_household_id AND package_id = v_package_id;
            IF v_day IS NOT NULL THEN
                INSERT INTO {LAST_PACKAGE} (household_id, package_id, day)
                VALUES (v_household_id, v_package_id, v_day);
            END IF;
            SELECT (
                SELECT d.log_id
                  FROM Distribution_Log d FORCE INDEX (idx_household_package_date)
                 WHERE d.household_id = v_household_id AND d.transaction_status = 'success'
                   AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id)
                 ORDER BY d.distribution_date DESC, d.log_id DESC
                 LIMIT 1
            ) INTO v_last_log;
            DELETE FROM {LAST_SERVICE} WHERE household_id = v_household_id;
            IF v_last_log IS NOT NULL THEN
                SELECT center_id, distribution_date INTO v_last_center, v_last_at
                  FROM Distribution_Log WHERE log_id = v_last_log;
                INSERT INTO {LAST_SERVICE} (household_id, center_id, served_at, log_id)
                VALUES (v_household_id, v_last_center, v_last_at, v_last_log);
            END IF;"""


# --- Vendors -------------------------------------------------------------------------

MYSQL = {
    "first": "DATE '1000-01-01'",
    "any": "DATE '1000-01-01'",
    "mh_upsert": "ON DUPLICATE KEY UPDATE households = households + VALUES(households)",
    "cc_upsert": "ON DUPLICATE KEY UPDATE households = households + VALUES(households)",
    "day_of_d": "DATE(d.distribution_date)",
    "join": "STRAIGHT_JOIN",
}
SQLITE = {
    "first": "'1000-01-01'",
    "any": "'1000-01-01'",
    "mh_upsert": (
        "ON CONFLICT (household_id, center_id, category, month, previous_month) "
        "DO UPDATE SET households = households + excluded.households"
    ),
    "cc_upsert": (
        "ON CONFLICT (household_id, day, center_id, package_id) "
        "DO UPDATE SET households = households + excluded.households"
    ),
    "day_of_d": "date(d.distribution_date)",
    "join": "JOIN",
}

# MySQL/MariaDB triggers read the bulk-load mark from a session variable (no table
# access on every insert); generate_load_data sets it to its CONNECTION_ID() inside
# its transaction and clears it when the transaction ends. SQLite has no session
# variables: its triggers look for the command's uncommitted Rollup_Bulk_Load row.
MYSQL_BULK_READ = "SET v_bulk = @aidtracker_rollup_bulk_load <=> CONNECTION_ID();"

SQLITE_BULK = "EXISTS (SELECT 1 FROM Rollup_Bulk_Load)"

MYSQL_NEW = {
    **MYSQL,
    "m": "v_month",
    "c": "NEW.center_id",
    "cat": "v_category",
    "hh": "NEW.household_id",
    "pkg": "NEW.package_id",
    "active": "v_active",
    "from": "v_from",
    "to": "v_to",
    "last": "v_last",
    "new_day": "v_new_day",
}
MYSQL_VOIDED = {
    **MYSQL,
    "m": "v_month",
    "c": "v_center_id",
    "cat": "v_category",
    "hh": "v_household_id",
    "pkg": "v_package_id",
    "active": "v_active",
    "from": (
        f"COALESCE((SELECT s.center_id FROM {LAST_SERVICE} s"
        " WHERE s.household_id = v_household_id), 0)"
    ),
}

_SQLITE_MONTH = "date(NEW.distribution_date, 'start of month')"
_SQLITE_LAST = (
    f"(SELECT lp.day FROM {LAST_PACKAGE} lp"
    " WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id)"
)
_SQLITE_FROM = (
    f"COALESCE((SELECT s.center_id FROM {LAST_SERVICE} s"
    " WHERE s.household_id = NEW.household_id), 0)"
)
_SQLITE_NEWER = (
    f"NOT EXISTS (SELECT 1 FROM {LAST_SERVICE} s WHERE s.household_id = NEW.household_id"
    " AND (s.served_at > NEW.distribution_date"
    " OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id)))"
)
SQLITE_NEW = {
    **SQLITE,
    "m": _SQLITE_MONTH,
    "c": "NEW.center_id",
    "cat": (
        "(SELECT r.category FROM Distribution_Monthly_Rollup r"
        f" WHERE r.month = {_SQLITE_MONTH} AND r.center_id = NEW.center_id"
        " AND r.package_id = NEW.package_id)"
    ),
    "hh": "NEW.household_id",
    "pkg": "NEW.package_id",
    "active": (
        "COALESCE((SELECT h.status FROM Households h"
        " WHERE h.household_id = NEW.household_id) = 'active', 0)"
    ),
    "from": _SQLITE_FROM,
    "to": f"(CASE WHEN {_SQLITE_NEWER} THEN NEW.center_id ELSE {_SQLITE_FROM} END)",
    "last": _SQLITE_LAST,
    "new_day": f"max(COALESCE({_SQLITE_LAST}, date(NEW.distribution_date)), date(NEW.distribution_date))",
}
_VOIDED = "FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'"
_SQLITE_VOIDED_HH = f"(SELECT o.household_id {_VOIDED})"
SQLITE_VOIDED = {
    **SQLITE,
    "m": f"(SELECT date(o.distribution_date, 'start of month') {_VOIDED})",
    "c": f"(SELECT o.center_id {_VOIDED})",
    "cat": (
        "(SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o"
        " ON r.month = date(o.distribution_date, 'start of month')"
        " AND r.center_id = o.center_id AND r.package_id = o.package_id"
        " WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')"
    ),
    "hh": _SQLITE_VOIDED_HH,
    "pkg": f"(SELECT o.package_id {_VOIDED})",
    "active": (
        "COALESCE((SELECT h.status FROM Households h"
        f" WHERE h.household_id = {_SQLITE_VOIDED_HH}) = 'active', 0)"
    ),
    "from": (
        f"COALESCE((SELECT s.center_id FROM {LAST_SERVICE} s"
        f" WHERE s.household_id = {_SQLITE_VOIDED_HH}), 0)"
    ),
}


def _household_values(vendor, row):
    """Placeholders for a Households trigger about the row `row` (NEW or OLD)."""
    return {
        **(MYSQL if vendor == "mysql" else SQLITE),
        "hh": f"{row}.household_id",
        "from": (
            f"COALESCE((SELECT s.center_id FROM {LAST_SERVICE} s"
            f" WHERE s.household_id = {row}.household_id), 0)"
        ),
    }


def _pending_values(rows):
    """VALUES rows (day, center, package, delta) of Coverage_Counts_Pending for NEW's household."""
    return ",\n                ".join(
        f"(NEW.household_id, {day}, {center}, {package}, {delta})"
        for day, center, package, delta in rows
    )


_CC_INSERT = (
    f"INSERT INTO {CCP} (household_id, day, center_id, package_id, households) VALUES\n"
    "                {rows}\n"
    "            ON DUPLICATE KEY UPDATE households = households + VALUES(households);"
)
_ANY = MYSQL["any"]
# The package's latest day under center {c}: first time (ever + day), or a later day.
_MYSQL_PACKAGE_DAY = """IF v_last IS NULL THEN
                {first}
            ELSEIF v_last <> v_new_day THEN
                {moved}
            END IF;"""


def _mysql_package_day(center):
    return _MYSQL_PACKAGE_DAY.format(
        first=_CC_INSERT.format(
            rows=_pending_values(
                [(_ANY, center, "NEW.package_id", 1), ("v_new_day", center, "NEW.package_id", 1)]
            )
        ),
        moved=_CC_INSERT.format(
            rows=_pending_values(
                [
                    ("v_last", center, "NEW.package_id", -1),
                    ("v_new_day", center, "NEW.package_id", 1),
                ]
            )
        ),
    )


_MONTH_SCOPES = _mysql_scopes("NEW.center_id", "v_category")
_MONTH_BASE = [
    f"FROM {HM} WHERE center_id = {c} AND category = {cat} AND household_id = NEW.household_id"
    for c, cat in _MONTH_SCOPES
]
_PREVIOUS = [
    f"COALESCE((SELECT MAX(month) {base} AND month < v_month), {MYSQL['first']})"
    for base in _MONTH_BASE
]
_NEXT = [f"(SELECT MIN(month) {base} AND month > v_month)" for base in _MONTH_BASE]
_IN_ORDER_COUNTS = (
    f"INSERT INTO {MHP} (household_id, center_id, category, month, previous_month, households)"
    " VALUES\n                "
    + ",\n                ".join(
        f"(NEW.household_id, {c}, {cat}, v_month, v_p{i}, 1)"
        for i, (c, cat) in enumerate(_MONTH_SCOPES, start=1)
    )
    + "\n            ON DUPLICATE KEY UPDATE households = households + VALUES(households);"
)

# No later month: each scope new this month counts the household after its previous
# month, one row each.
_IN_ORDER_SOME = "\n                ".join(
    f"IF v_n{i} IS NULL THEN INSERT INTO {MHP} "
    "(household_id, center_id, category, month, previous_month, households) "
    f"VALUES (NEW.household_id, {c}, {cat}, v_month, v_p{i}, 1) "
    "ON DUPLICATE KEY UPDATE households = households + 1; END IF;"
    for i, (c, cat) in enumerate(_mysql_scopes("NEW.center_id", "v_category"), start=1)
)

# A household served before moves to another center: its households row, and for
# each package it ever received its "ever" and latest-day rows, leave {from} for
# {to}. One pass over the packages, each looked up once, times four constant rows.
MYSQL_MOVE_CENTER = f"""INSERT INTO {CCP} (household_id, day, center_id, package_id, households)
                    SELECT NEW.household_id, IF(x.ever, {MYSQL["any"]}, k.day), x.center_id,
                           ap.package_id, x.delta
                      FROM Aid_Packages ap
                      STRAIGHT_JOIN {LAST_PACKAGE} k
                        ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
                      STRAIGHT_JOIN (
                            SELECT v_from AS center_id, -1 AS delta, 0 AS ever
                            UNION ALL SELECT v_from, -1, 1
                            UNION ALL SELECT v_to, 1, 0
                            UNION ALL SELECT v_to, 1, 1
                      ) x ON TRUE
                    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
                    {_CC_INSERT.format(rows=_pending_values([(MYSQL["any"], "v_from", "0", -1), (MYSQL["any"], "v_to", "0", 1)]))}"""

# Each table access in a trigger costs about 20 us on the benchmark machine, so the
# success trigger reads as little as it can: the household's state and the month's
# rollup row in one read (the package's category only for a new rollup row); whether
# the household has a month row at each scope yet; and only for the scopes where it
# has not, the months before (and, if the widest scope has a later month, after).
# A household never served (no Coverage_Last_Service row) has no month row at all:
# none of that is read for its first distribution.
# (ROW_COUNT() after the month rows' upsert would say which are new without a read,
# but inside a MariaDB trigger it returns 0 or 1, not the affected rows.)
MYSQL_SUCCESS = f"""
CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month, v_day, v_last, v_new_day DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_active, v_served, v_newer BOOLEAN DEFAULT FALSE;
    DECLARE v_from, v_to INT DEFAULT 0;
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;{MYSQL_MONTH_VARIABLES}
    {MYSQL_BULK_READ}
    IF NEW.transaction_status = 'success' AND NOT v_bulk THEN
        SET v_month = CAST(DATE_FORMAT(NEW.distribution_date, '%Y-%m-01') AS DATE);
        SET v_day = DATE(NEW.distribution_date);
        SELECT r.category, h.status = 'active', s.household_id IS NOT NULL,
               COALESCE(s.center_id, 0),
               s.household_id IS NULL OR s.served_at < NEW.distribution_date
               OR (s.served_at = NEW.distribution_date AND s.log_id < NEW.log_id),
               k.day
          INTO v_category, v_active, v_served, v_from, v_newer, v_last
          FROM Households h
          LEFT JOIN Distribution_Monthly_Rollup r
            ON r.month = v_month AND r.center_id = NEW.center_id
           AND r.package_id = NEW.package_id
          LEFT JOIN {LAST_SERVICE} s ON s.household_id = h.household_id
          LEFT JOIN {LAST_PACKAGE} k
            ON k.household_id = h.household_id AND k.package_id = NEW.package_id
         WHERE h.household_id = NEW.household_id;
        IF v_category IS NULL THEN
            SELECT category INTO v_category FROM Aid_Packages WHERE package_id = NEW.package_id;
        END IF;
        IF v_served THEN
            SELECT {", ".join(f"(SELECT distributions {base} AND month = v_month)" for base in _MONTH_BASE)}
              INTO v_n1, v_n2, v_n3, v_n4;
        END IF;
        INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        VALUES (v_month, NEW.center_id, NEW.package_id, v_category, 1, NEW.quantity_distributed)
        ON DUPLICATE KEY UPDATE
            distributions = distributions + 1,
            packages = packages + NEW.quantity_distributed;
        INSERT INTO {HM} (center_id, category, household_id, month, distributions)
        VALUES
            (NEW.center_id, v_category, NEW.household_id, v_month, 1),
            (NEW.center_id, '*', NEW.household_id, v_month, 1),
            (0, v_category, NEW.household_id, v_month, 1),
            (0, '*', NEW.household_id, v_month, 1)
        ON DUPLICATE KEY UPDATE distributions = distributions + 1;
        IF v_n1 IS NULL OR v_n2 IS NULL OR v_n3 IS NULL OR v_n4 IS NULL THEN
            IF v_served THEN
                SELECT {", ".join(f"CASE WHEN v_n{i} IS NULL THEN {prev} END" for i, prev in enumerate(_PREVIOUS, start=1))},
                       {_NEXT[3]}
                  INTO v_p1, v_p2, v_p3, v_p4, v_x4;
            ELSE
                SET v_p1 = {MYSQL["first"]}, v_p2 = {MYSQL["first"]},
                    v_p3 = {MYSQL["first"]}, v_p4 = {MYSQL["first"]};
            END IF;
            IF v_x4 IS NULL AND v_n1 IS NULL AND v_n2 IS NULL AND v_n3 IS NULL AND v_n4 IS NULL THEN
                {_IN_ORDER_COUNTS}
            ELSEIF v_x4 IS NULL THEN
                {_IN_ORDER_SOME}
            ELSE
                IF v_x4 IS NOT NULL THEN
                    SELECT {", ".join(_NEXT[:3])} INTO v_x1, v_x2, v_x3;
                END IF;
                {_fill(mysql_month_counts("NEW.center_id", "v_category", "NEW.household_id", "v_month", changed="{n} IS NULL", sign="1"), **MYSQL)}
            END IF;
        END IF;
        SET v_to = IF(v_newer, NEW.center_id, v_from);
        SET v_new_day = GREATEST(COALESCE(v_last, v_day), v_day);
        IF v_active THEN
            IF NOT v_served THEN
                {_CC_INSERT.format(rows=_pending_values([(_ANY, "0", "0", -1), (_ANY, "NEW.center_id", "0", 1), (_ANY, "NEW.center_id", "NEW.package_id", 1), ("v_day", "NEW.center_id", "NEW.package_id", 1)]))}
            ELSE
                IF v_to <> v_from THEN
                    {MYSQL_MOVE_CENTER}
                END IF;
                {_mysql_package_day("v_to")}
            END IF;
        END IF;
        IF v_last IS NULL OR v_last < v_day THEN
            INSERT INTO {LAST_PACKAGE} (household_id, package_id, day)
            VALUES (NEW.household_id, NEW.package_id, v_day)
            ON DUPLICATE KEY UPDATE day = GREATEST(day, VALUES(day));
        END IF;
        IF v_newer THEN
            INSERT INTO {LAST_SERVICE} (household_id, center_id, served_at, log_id)
            VALUES (NEW.household_id, NEW.center_id, NEW.distribution_date, NEW.log_id)
            ON DUPLICATE KEY UPDATE
                center_id = VALUES(center_id),
                served_at = VALUES(served_at),
                log_id = VALUES(log_id);
        END IF;
    END IF;
END
"""

MYSQL_VOID = f"""
CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month, v_day DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_center_id, v_package_id, v_household_id, v_quantity INT;
    DECLARE v_last_log, v_last_center INT;
    DECLARE v_last_at DATETIME(6);
    DECLARE v_status VARCHAR(9);
    DECLARE v_active BOOLEAN DEFAULT FALSE;
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;{MYSQL_MONTH_VARIABLES}
    {MYSQL_BULK_READ}
    IF NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL
       AND NOT v_bulk THEN
        SELECT CAST(DATE_FORMAT(o.distribution_date, '%Y-%m-01') AS DATE),
               o.center_id, o.package_id, o.household_id, o.quantity_distributed,
               o.transaction_status
          INTO v_month, v_center_id, v_package_id, v_household_id, v_quantity, v_status
          FROM Distribution_Log o
         WHERE o.log_id = NEW.voided_log_id;
        IF v_status = 'success' THEN
            SELECT category INTO v_category
              FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            {mysql_month_points("UPDATE " + HM + " SET distributions = distributions - 1 WHERE {where};", "v_center_id", "v_category", "v_household_id", "v_month")}
            {_fill(mysql_month_reads("v_center_id", "v_category", "v_household_id", "v_month"), **MYSQL)}
            IF v_n1 = 0 OR v_n2 = 0 OR v_n3 = 0 OR v_n4 = 0 THEN
                {_fill(mysql_month_counts("v_center_id", "v_category", "v_household_id", "v_month", changed="{n} = 0", sign="-1"), **MYSQL)}
                {mysql_month_points("DELETE FROM " + HM + " WHERE {where} AND distributions = 0;", "v_center_id", "v_category", "v_household_id", "v_month")}
            END IF;
            UPDATE Distribution_Monthly_Rollup
               SET distributions = distributions - 1, packages = packages - v_quantity
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            DELETE FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id
               AND distributions = 0;
            SELECT status = 'active' INTO v_active
              FROM Households WHERE household_id = v_household_id;
            IF v_active THEN
                {_fill(REMOVE_HOUSEHOLD, **MYSQL_VOIDED).strip()}
            END IF;
            {MYSQL_RECOMPUTE_STATE.strip()}
            IF v_active THEN
                {_fill(ADD_HOUSEHOLD, **MYSQL_VOIDED).strip()}
            END IF;
        END IF;
    END IF;
END
"""

SQLITE_SUCCESS = f"""
CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'success' AND NOT {SQLITE_BULK}
BEGIN
    INSERT INTO Distribution_Monthly_Rollup
        (month, center_id, package_id, category, distributions, packages)
    SELECT {_SQLITE_MONTH}, NEW.center_id, NEW.package_id, ap.category, 1,
           NEW.quantity_distributed
      FROM Aid_Packages ap
     WHERE ap.package_id = NEW.package_id
    ON CONFLICT (month, center_id, package_id) DO UPDATE SET
        distributions = distributions + 1,
        packages = packages + excluded.packages;
    INSERT INTO {HM} (center_id, category, household_id, month, distributions)
    SELECT CASE WHEN c.all_centers = 1 THEN 0 ELSE r.center_id END,
           CASE WHEN k.all_categories = 1 THEN '*' ELSE r.category END,
           NEW.household_id, r.month, 1
      FROM Distribution_Monthly_Rollup r
     CROSS JOIN (SELECT 0 AS all_centers UNION ALL SELECT 1) c
     CROSS JOIN (SELECT 0 AS all_categories UNION ALL SELECT 1) k
     WHERE r.month = {_SQLITE_MONTH}
       AND r.center_id = NEW.center_id
       AND r.package_id = NEW.package_id
    ON CONFLICT (center_id, category, household_id, month) DO UPDATE SET
        distributions = distributions + 1;
    {_fill(COUNT_SUCCESS, **SQLITE_NEW).strip()}
    {_fill(MOVE_CENTER, **SQLITE_NEW).strip()}
    {_fill(PACKAGE_DAY, **SQLITE_NEW).strip()}
    INSERT INTO {LAST_PACKAGE} (household_id, package_id, day)
    VALUES (NEW.household_id, NEW.package_id, date(NEW.distribution_date))
    ON CONFLICT (household_id, package_id) DO UPDATE SET day = max(day, excluded.day);
    INSERT INTO {LAST_SERVICE} (household_id, center_id, served_at, log_id)
    SELECT NEW.household_id, NEW.center_id, NEW.distribution_date, NEW.log_id
     WHERE {_SQLITE_NEWER}
    ON CONFLICT (household_id) DO UPDATE SET
        center_id = excluded.center_id,
        served_at = excluded.served_at,
        log_id = excluded.log_id;
END
"""

SQLITE_VOID = f"""
CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL
     AND NOT {SQLITE_BULK}
BEGIN
    UPDATE {HM} SET distributions = distributions - 1
     WHERE {_fill(SCOPES.replace("{a}.", ""), **SQLITE_VOIDED)}
       AND month = {SQLITE_VOIDED["m"]};
    {_fill(COUNT_VOID, **SQLITE_VOIDED).strip()}
    UPDATE Distribution_Monthly_Rollup
       SET distributions = distributions - 1,
           packages = packages - (SELECT o.quantity_distributed {_VOIDED})
     WHERE (month, center_id, package_id) = (
        SELECT date(o.distribution_date, 'start of month'), o.center_id, o.package_id {_VOIDED}
     );
    DELETE FROM Distribution_Monthly_Rollup
     WHERE distributions = 0
       AND (month, center_id, package_id) = (
        SELECT date(o.distribution_date, 'start of month'), o.center_id, o.package_id {_VOIDED}
     );
    {_fill(REMOVE_HOUSEHOLD, **SQLITE_VOIDED).strip()}
    {_fill(RECOMPUTE_STATE, **SQLITE_VOIDED).strip()}
    {_fill(ADD_HOUSEHOLD, **SQLITE_VOIDED).strip()}
END
"""

_NEW_H_MYSQL = _household_values("mysql", "NEW")
_OLD_H_MYSQL = _household_values("mysql", "OLD")
_NEW_H_SQLITE = _household_values("sqlite", "NEW")
_OLD_H_SQLITE = _household_values("sqlite", "OLD")
_DROP_STATE = f"""
    DELETE FROM {LAST_PACKAGE} WHERE household_id = OLD.household_id;
    DELETE FROM {LAST_SERVICE} WHERE household_id = OLD.household_id;"""

MYSQL_HOUSEHOLD_INSERT = f"""
CREATE TRIGGER trg_households_coverage_insert
AFTER INSERT ON Households
FOR EACH ROW
BEGIN
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;
    {MYSQL_BULK_READ}
    IF NEW.status = 'active' AND NOT v_bulk THEN
        {_fill(SIGNED_HOUSEHOLD, **_NEW_H_MYSQL, sign="1", guard="TRUE").strip()}
    END IF;
END
"""
MYSQL_HOUSEHOLD_STATUS = f"""
CREATE TRIGGER trg_households_coverage_status
AFTER UPDATE ON Households
FOR EACH ROW
BEGIN
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;
    {MYSQL_BULK_READ}
    IF (OLD.status = 'active') <> (NEW.status = 'active') AND NOT v_bulk THEN
        {_fill(SIGNED_HOUSEHOLD, **_NEW_H_MYSQL, sign="IF(NEW.status = 'active', 1, -1)", guard="TRUE").strip()}
    END IF;
END
"""
MYSQL_HOUSEHOLD_DELETE = f"""
CREATE TRIGGER trg_households_coverage_delete
AFTER DELETE ON Households
FOR EACH ROW
BEGIN
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;
    {MYSQL_BULK_READ}
    IF NOT v_bulk THEN
        IF OLD.status = 'active' THEN
            {_fill(SIGNED_HOUSEHOLD, **_OLD_H_MYSQL, sign="-1", guard="TRUE").strip()}
        END IF;
        {_DROP_STATE.strip()}
    END IF;
END
"""
SQLITE_HOUSEHOLD_INSERT = f"""
CREATE TRIGGER trg_households_coverage_insert
AFTER INSERT ON Households
FOR EACH ROW
WHEN NEW.status = 'active' AND NOT {SQLITE_BULK}
BEGIN
    {_fill(SIGNED_HOUSEHOLD, **_NEW_H_SQLITE, sign="1", guard="1").strip()}
END
"""
SQLITE_HOUSEHOLD_STATUS = f"""
CREATE TRIGGER trg_households_coverage_status
AFTER UPDATE OF status ON Households
FOR EACH ROW
WHEN (OLD.status = 'active') <> (NEW.status = 'active') AND NOT {SQLITE_BULK}
BEGIN
    {_fill(SIGNED_HOUSEHOLD, **_NEW_H_SQLITE, sign="CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END", guard="1").strip()}
END
"""
SQLITE_HOUSEHOLD_DELETE = f"""
CREATE TRIGGER trg_households_coverage_delete
AFTER DELETE ON Households
FOR EACH ROW
WHEN NOT {SQLITE_BULK}
BEGIN
    {_fill(SIGNED_HOUSEHOLD, **_OLD_H_SQLITE, sign="-1", guard="OLD.status = 'active'").strip()}
    {_DROP_STATE.strip()}
END
"""


# --- Filling the coverage tables from the log ---------------------------------------


def _backfill(vendor):
    day_of = "DATE(dl.distribution_date)" if vendor == "mysql" else "date(dl.distribution_date)"
    any_day = MYSQL["any"] if vendor == "mysql" else SQLITE["any"]
    served = """
        FROM Distribution_Log dl
       WHERE dl.transaction_status = 'success'
         AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)"""
    active = f"""
        FROM {LAST_PACKAGE} k
        JOIN {LAST_SERVICE} s ON s.household_id = k.household_id
        JOIN Households h ON h.household_id = k.household_id
       WHERE h.status = 'active'"""
    return [
        f"""
        INSERT INTO {LAST_PACKAGE} (household_id, package_id, day)
        SELECT dl.household_id, dl.package_id, MAX({day_of})
        {served}
         GROUP BY dl.household_id, dl.package_id
        """,
        f"""
        INSERT INTO {LAST_SERVICE} (household_id, center_id, served_at, log_id)
        SELECT x.household_id, x.center_id, x.distribution_date, x.log_id
          FROM (
            SELECT dl.household_id, dl.center_id, dl.distribution_date, dl.log_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY dl.household_id
                       ORDER BY dl.distribution_date DESC, dl.log_id DESC
                   ) AS latest
            {served}
          ) x
         WHERE x.latest = 1
        """,
        f"""
        INSERT INTO {CC} (day, center_id, package_id, households)
        SELECT {any_day}, COALESCE(s.center_id, 0), 0, COUNT(*)
          FROM Households h
          LEFT JOIN {LAST_SERVICE} s ON s.household_id = h.household_id
         WHERE h.status = 'active'
         GROUP BY COALESCE(s.center_id, 0)
        """,
        f"""
        INSERT INTO {CC} (day, center_id, package_id, households)
        SELECT {any_day}, s.center_id, k.package_id, COUNT(*)
        {active}
         GROUP BY s.center_id, k.package_id
        """,
        f"""
        INSERT INTO {CC} (day, center_id, package_id, households)
        SELECT k.day, s.center_id, k.package_id, COUNT(*)
        {active}
         GROUP BY k.day, s.center_id, k.package_id
        """,
    ]


EMPTY_COVERAGE = [f"DELETE FROM {CC}", f"DELETE FROM {LAST_SERVICE}", f"DELETE FROM {LAST_PACKAGE}"]

# Back to 0003: pending changes go into the counters, then 0003's triggers return.
FOLD_MYSQL = [
    f"""
    INSERT INTO {MH} (center_id, category, month, previous_month, households)
    SELECT p.center_id, p.category, p.month, p.previous_month, SUM(p.households)
      FROM {MHP} p GROUP BY p.center_id, p.category, p.month, p.previous_month
    ON DUPLICATE KEY UPDATE {MH}.households = {MH}.households + VALUES(households)
    """,
    f"DELETE FROM {MHP}",
    f"DELETE FROM {MH} WHERE households = 0",
]
FOLD_SQLITE = [
    f"""
    INSERT INTO {MH} (center_id, category, month, previous_month, households)
    SELECT center_id, category, month, previous_month, SUM(households)
      FROM {MHP} WHERE 1 GROUP BY center_id, category, month, previous_month
    ON CONFLICT (center_id, category, month, previous_month)
    DO UPDATE SET households = households + excluded.households
    """,
    f"DELETE FROM {MHP}",
    f"DELETE FROM {MH} WHERE households = 0",
]


def _previous_triggers(vendor):
    """0003's two trigger texts, for the way back."""
    previous = importlib.import_module("reports.migrations.0003_rollup_triggers")
    if vendor == "mysql":
        return [previous.MYSQL_SUCCESS, previous.MYSQL_VOID]
    return [previous.SQLITE_SUCCESS, previous.SQLITE_VOID]


def _drop(names):
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


OLD_TRIGGERS = ("trg_distribution_log_rollup_success", "trg_distribution_log_rollup_void")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_coverage_and_pending_tables"),
        ("households", "0003_exact_enum_checks"),
    ]

    operations = [
        VendorRunSQL(
            sql={"mysql": _drop(OLD_TRIGGERS), "sqlite": _drop(OLD_TRIGGERS)},
            reverse_sql={
                "mysql": [*_previous_triggers("mysql"), *FOLD_MYSQL],
                "sqlite": [*_previous_triggers("sqlite"), *FOLD_SQLITE],
            },
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_SUCCESS], "sqlite": [SQLITE_SUCCESS]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_distribution_log_rollup_success"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_VOID], "sqlite": [SQLITE_VOID]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_distribution_log_rollup_void"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_HOUSEHOLD_INSERT], "sqlite": [SQLITE_HOUSEHOLD_INSERT]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_households_coverage_insert"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_HOUSEHOLD_STATUS], "sqlite": [SQLITE_HOUSEHOLD_STATUS]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_households_coverage_status"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_HOUSEHOLD_DELETE], "sqlite": [SQLITE_HOUSEHOLD_DELETE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_households_coverage_delete"),
        ),
        VendorRunSQL(
            sql={"mysql": _backfill("mysql"), "sqlite": _backfill("sqlite")},
            reverse_sql={"mysql": EMPTY_COVERAGE, "sqlite": EMPTY_COVERAGE},
        ),
    ]
