"""The seed's three database accounts, with least privilege (MySQL/MariaDB).

- application: reads and writes what the portal needs; on the append-only logs it may
  only INSERT, so UPDATE and DELETE there are refused by grants as well as by triggers
  (on the erasable personal values of the change history it may also DELETE, which
  its trigger allows only for an anonymised household);
- reporting: SELECT only (and the replication status, to judge a replica's lag);
- admin: everything on the database, for migrations, backups and restores.

Grants are per table, so run `create_db_accounts` again after migrations add tables.
"""

from dataclasses import dataclass

from django.db import connection

APPEND_ONLY_TABLES = (
    "Distribution_Log",
    "Distribution_Lot_Takes",
    "Stock_Movements",
    "Stock_Transfer_Lots",
    "Access_Log",
    "Household_Changes",
)
# Append-only too, but anonymising a household deletes its rows (never updates them).
ERASABLE_TABLES = ("Household_Change_Values",)


@dataclass(frozen=True)
class Account:
    user: str
    password: str
    host: str = "%"


def _quote_account(account, *, escape_percent=False):
    host = account.host.replace("%", "%%") if escape_percent else account.host
    return f"'{account.user}'@'{host}'"


def grant_statements(*, app, report, admin, database, tables, views, procedures):
    """Return (sql, params) pairs that create the accounts and grant exactly their rights.

    Passwords travel as parameters, never inside the SQL text.
    """
    schema = f"`{database}`"
    statements = []
    for account in (app, report, admin):
        name = _quote_account(account, escape_percent=True)
        statements += [
            (f"CREATE USER IF NOT EXISTS {name} IDENTIFIED BY %s", [account.password]),
            (f"ALTER USER {name} IDENTIFIED BY %s", [account.password]),
        ]
        statements.append(
            (f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {_quote_account(account)}", None)
        )
    grants = []
    app_name = _quote_account(app)
    for table in tables:
        if table in APPEND_ONLY_TABLES:
            grants.append(f"GRANT SELECT, INSERT ON {schema}.`{table}` TO {app_name}")
        elif table in ERASABLE_TABLES:
            grants.append(f"GRANT SELECT, INSERT, DELETE ON {schema}.`{table}` TO {app_name}")
        else:
            grants.append(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON {schema}.`{table}` TO {app_name}"
            )
    grants += [f"GRANT SELECT ON {schema}.`{view}` TO {app_name}" for view in views]
    grants += [
        f"GRANT EXECUTE ON PROCEDURE {schema}.`{procedure}` TO {app_name}"
        for procedure in procedures
    ]
    grants.append(f"GRANT SELECT, SHOW VIEW ON {schema}.* TO {_quote_account(report)}")
    # Reading the replication status tells the portal how far behind a replica is.
    grants.append(f"GRANT SLAVE MONITOR ON *.* TO {_quote_account(report)}")
    grants.append(f"GRANT ALL PRIVILEGES ON {schema}.* TO {_quote_account(admin)}")
    return statements + [(grant, None) for grant in grants]


def create_accounts(*, app, report, admin):
    """Create or update the three accounts on the current database; return the statements."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DATABASE()")
        database = cursor.fetchone()[0]
        cursor.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = DATABASE() ORDER BY table_name"
        )
        rows = cursor.fetchall()
        tables = [name for name, kind in rows if kind == "BASE TABLE"]
        views = [name for name, kind in rows if kind == "VIEW"]
        cursor.execute(
            "SELECT routine_name FROM information_schema.routines "
            "WHERE routine_schema = DATABASE() AND routine_type = 'PROCEDURE'"
        )
        procedures = [name for (name,) in cursor.fetchall()]
        statements = grant_statements(
            app=app,
            report=report,
            admin=admin,
            database=database,
            tables=tables,
            views=views,
            procedures=procedures,
        )
        for statement, params in statements:
            cursor.execute(statement, params)
    return statements
