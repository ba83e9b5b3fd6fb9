"""The SQL objects say what distribution.rules (and inventory's limits) define.

Views, triggers and the stored procedures exist as SQL text, in versioned files the
migrations load. These tests read the newest version of each (and, where the database
keeps it verbatim, the text installed in the database) and fail when it drifts from
the Python rules: the refusal codes in their order, every refusal message, the quantity
limit, the served predicate, the eligibility day arithmetic, the stock status and restock limit,
the lots' expiry rule and the order they go out in.
"""

import re

import pytest
from django.db import connection

from core.db import sqlfiles
from distribution import rules
from inventory import services as inventory_services
from inventory.lots import fefo_order_sql, usable_lot_sql
from inventory.stock import stock_status


def _latest(app_label, vendor, name):
    return sqlfiles.latest_statement(app_label, vendor, name)


SP_DISTRIBUTE_PACKAGE = _latest("distribution", "mysql", "sp_distribute_package")
SP_RESTOCK_INVENTORY = _latest("distribution", "mysql", "sp_restock_inventory")
MYSQL_HOUSEHOLD_ELIGIBILITY = _latest("distribution", "mysql", "vw_household_eligibility")
SQLITE_HOUSEHOLD_ELIGIBILITY = _latest("distribution", "sqlite", "vw_household_eligibility")
MYSQL_MONTHLY_SUMMARY = _latest("distribution", "mysql", "vw_monthly_summary")
SQLITE_MONTHLY_SUMMARY = _latest("distribution", "sqlite", "vw_monthly_summary")
CURRENT_INVENTORY_STATUS = _latest("inventory", "mysql", "vw_current_inventory_status")
MYSQL_ONLY = pytest.mark.mysql(reason="stored procedures are MySQL/MariaDB's")


def flat(sql):
    """SQL with white space folded, and none inside parentheses' edges: layout never counts."""
    sql = re.sub(r"\s+", " ", sql).strip()
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", sql))


def test_the_procedure_refuses_with_the_codes_in_their_order():
    codes = re.findall(r"SET v_code = '(\w+)'", SP_DISTRIBUTE_PACKAGE)
    assert tuple(codes) == rules.FAILURE_CODES


def test_the_procedure_gives_every_refusal_its_message():
    messages = dict(re.findall(r"WHEN '(\w+)' THEN '([^']*)'", SP_DISTRIBUTE_PACKAGE))
    assert messages == rules.FAILURE_MESSAGES


def test_the_procedure_limits_quantities_as_the_service_does():
    assert f"BETWEEN 1 AND {rules.MAX_QUANTITY}" in SP_DISTRIBUTE_PACKAGE


@pytest.mark.parametrize(
    "sql",
    [
        SP_DISTRIBUTE_PACKAGE,
        MYSQL_HOUSEHOLD_ELIGIBILITY,
        SQLITE_HOUSEHOLD_ELIGIBILITY,
        MYSQL_MONTHLY_SUMMARY,
        SQLITE_MONTHLY_SUMMARY,
    ],
    ids=["procedure", "mysql eligibility", "sqlite eligibility", "mysql monthly", "sqlite monthly"],
)
def test_every_object_counts_served_distributions_by_the_rule(sql):
    """`dl.transaction_status = 'success'` and no void pointing at the row."""
    status, void = flat(rules.served_sql("dl")).split(" AND ", 1)  # may stand apart
    assert status in flat(sql)
    assert void in flat(sql)


def test_the_procedure_blocks_from_midnight_of_validity_minus_one_days():
    """rules.eligibility_cutoff: today - (validity_period_days - 1) days, at 00:00 UTC."""
    assert "dl.distribution_date >= CAST(UTC_DATE() - INTERVAL (v_validity_days - 1) DAY" in flat(
        SP_DISTRIBUTE_PACKAGE
    )


@pytest.mark.parametrize(
    ("sql", "next_day"),
    [
        (
            MYSQL_HOUSEHOLD_ELIGIBILITY,
            "DATE_ADD(DATE(e.last_distribution_date), INTERVAL e.validity_period_days DAY)",
        ),
        (
            SQLITE_HOUSEHOLD_ELIGIBILITY,
            "date(e.last_distribution_date, '+' || e.validity_period_days || ' days')",
        ),
    ],
    ids=["mysql", "sqlite"],
)
def test_the_eligibility_view_gives_the_next_day_of_the_rule(sql, next_day):
    """rules.next_eligible_day: the UTC day of the last one plus validity_period_days."""
    assert next_day in flat(sql)
    assert ">= e.validity_period_days THEN 'ELIGIBLE'" in flat(sql)


@pytest.mark.parametrize(
    ("on_hand", "reorder_level"), [(0, 0), (0, 10), (1, 10), (10, 10), (11, 10), (5, 0)]
)
def test_the_stock_view_and_python_agree_on_the_status(on_hand, reorder_level):
    view = flat(CURRENT_INVENTORY_STATUS)
    case = re.search(r"CASE (.*?) END", view).group(1)
    for condition, status in re.findall(r"WHEN (.*?) THEN '(\w+)'", case):
        expression = condition.replace("i.quantity_on_hand", str(on_hand))
        expression = expression.replace("i.reorder_level", str(reorder_level))
        if eval(expression.replace(" = ", " == "), {}):  # "3 <= 10", "0 == 0"
            assert status == stock_status(on_hand, reorder_level)
            return
    assert re.search(r"ELSE '(\w+)'", case).group(1) == stock_status(on_hand, reorder_level)


def test_the_procedure_takes_lots_by_the_rule_and_in_the_order_of_inventory_lots():
    """Unexpired lots with units (expiry from today, UTC), first to expire first."""
    sql = flat(SP_DISTRIBUTE_PACKAGE)
    assert "SET v_today = DATE(v_now)" in sql
    assert sql.count(usable_lot_sql("l").replace("%s", "v_today")) == 2  # count, then take
    assert f"ORDER BY {fefo_order_sql('l')} LIMIT 1 FOR UPDATE" in sql


def test_the_restock_procedure_has_the_services_limit_and_message():
    sql = SP_RESTOCK_INVENTORY
    assert f"p_quantity > {inventory_services.MAX_RESTOCK_QUANTITY}" in sql
    assert f"'{inventory_services.RESTOCK_QUANTITY_MESSAGE}'" in sql


@MYSQL_ONLY
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "sql"),
    [
        ("sp_distribute_package", SP_DISTRIBUTE_PACKAGE),
        ("sp_restock_inventory", SP_RESTOCK_INVENTORY),
    ],
)
def test_the_database_runs_the_procedure_text_checked_here(name, sql):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ROUTINE_DEFINITION FROM information_schema.ROUTINES "
            "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = %s",
            [name],
        )
        (installed,) = cursor.fetchone()
    body = sql[sql.index("proc: BEGIN") if "proc: BEGIN" in sql else sql.index("BEGIN") :]
    assert flat(installed) == flat(body)
