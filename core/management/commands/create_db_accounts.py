"""Create the application, reporting and admin database accounts with least privilege."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.db.accounts import Account, create_accounts

ACCOUNTS = {
    "app": ("aidtracker_app", "DB_APP_PASSWORD"),
    "report": ("aidtracker_report", "DB_REPORT_PASSWORD"),
    "admin": ("aidtracker_admin", "DB_ADMIN_PASSWORD"),
}


class Command(BaseCommand):
    help = (
        "MySQL/MariaDB only. Create or update the application (no UPDATE/DELETE on the "
        "audit and movement logs), reporting (read-only) and admin accounts. Passwords "
        "come from DB_APP_PASSWORD, DB_REPORT_PASSWORD and DB_ADMIN_PASSWORD. Run it as "
        "a user allowed to grant, after every migrate."
    )

    def add_arguments(self, parser):
        for role, (default_user, _) in ACCOUNTS.items():
            parser.add_argument(f"--{role}-user", default=default_user)
        parser.add_argument("--host", default="%", help="Host part of the accounts (default %%).")

    def handle(self, *args, host, **options):
        if connection.vendor != "mysql":
            raise CommandError("Database accounts exist only on MySQL/MariaDB.")
        accounts = {}
        for role, (_, variable) in ACCOUNTS.items():
            password = os.environ.get(variable, "")
            if len(password) < 12:
                raise CommandError(f"Set {variable} to a password of at least 12 characters.")
            accounts[role] = Account(options[f"{role}_user"], password, host)
        statements = create_accounts(**accounts)
        for role, account in accounts.items():
            self.stdout.write(f"{role:7} {account.user}@{account.host}")
        self.stdout.write(self.style.SUCCESS(f"Applied {len(statements)} statements."))
