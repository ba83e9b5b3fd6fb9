"""The months before today, back-dated in bulk by the load generator.

The services stamp the current time and the log refuses UPDATE, so months of history
cannot go through them. The load generator's Planner decides which households come
when and what they take (each package at most once per validity period); its
BulkLoader writes the log rows, delivers at the start of each month what the month
hands out (so `check_stock` balances) and rebuilds the rollups from the log: the path
`generate_load_data` takes, here on the demo's own households, staff and packages.
"""

import datetime

from django.db import transaction

from audit.services import actor_snapshot
from devtools.loadgen import BulkLoader
from devtools.loadgen.data import LOAD_NOTE
from households.models import Household

from .data import (
    HANDOUT_WEIGHTS,
    HISTORY_ATTEMPTS,
    HISTORY_FAILURE_RATE,
    HISTORY_MONTHS,
    HISTORY_VOID_RATE,
    HISTORY_VOID_REASONS,
)

# The Planner reads households as the loader inserts them (loader.HOUSEHOLD_INSERT's
# columns, then the home center): the id first, the status 13th, the home center last.
HOUSEHOLD_ROW = (
    "id",
    "family_name",
    "primary_contact_name",
    "phone_number",
    "address",
    "city",
    "state",
    "zip_code",
    "family_size",
    "income_level",
    "priority_level",
    "registration_date",
    "status",
    "created_at",
    "updated_at",
)


def months_before(moment, count):
    """The first instant (UTC) of the month `count` months before `moment`'s."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - count, 12)
    return datetime.datetime(year, month + 1, 1, tzinfo=datetime.UTC)


def as_loader_staff(member):
    """A staff member as the loader's rows name them (BulkLoader.ensure_staff): the id,
    and the name and role the rows keep."""
    return (member.pk, *actor_snapshot(member))


class History(BulkLoader):
    """The Planner and BulkLoader, ending where today's work through the services begins."""

    def __init__(self, *, seed):
        super().__init__(seed=seed, months=HISTORY_MONTHS + 1)
        self.now = self.now.replace(hour=0, minute=0, second=0)  # midnight UTC
        self.window_start = months_before(self.now, HISTORY_MONTHS)

    def record(self, *, centers, teams, packages):
        """Write the history in one transaction.

        Everyone's home is the center in their city. Each center's first recorder
        serves and its manager takes the deliveries. The rollup triggers are suspended
        for the transaction (never beyond it) and the rollups rebuilt at its end.
        """
        home = {center.city: center.pk for center in centers}
        recorders, managers = {}, {}
        for center, team in zip(centers, teams, strict=True):
            recorders[center.pk] = as_loader_staff(team.recorders[0])
            managers[center.pk] = as_loader_staff(team.manager)
        for package in packages:
            package.weight = HANDOUT_WEIGHTS[package.category]
        households = Household.objects.filter(city__in=home).order_by("pk")
        rows = [(*row, home[row[5]]) for row in households.values_list(*HOUSEHOLD_ROW)]
        try:
            with transaction.atomic():
                self.suspend_rollup_triggers()
                plan = self.plan_distributions(
                    rows,
                    centers,
                    packages,
                    recorders,
                    HISTORY_ATTEMPTS,
                    HISTORY_FAILURE_RATE,
                    HISTORY_VOID_RATE,
                )
                successes, failures, voids = self.after_registration(plan, rows)
                log_rows, stock_events = self.number_log_rows(successes, failures, voids)
                self.insert_log([self.with_notes(row) for row in log_rows])
                self.restock(stock_events, managers, packages)
                self.rebuild_rollups()
        finally:
            self.resume_rollup_triggers()

    def after_registration(self, plan, rows):
        """Leave out what the plan puts before a household registered (and the voids of
        successes left out). Planned rows start (microseconds since window_start,
        household id, ...); voids are (microseconds, index of the success)."""
        registered = {
            row[0]: self.microseconds(datetime.datetime.combine(row[11], datetime.time()))
            for row in rows
        }
        successes, failures, voids = plan
        kept = [n for n, row in enumerate(successes) if row[0] >= registered[row[1]]]
        new_index = {old: new for new, old in enumerate(kept)}
        return (
            [successes[n] for n in kept],
            [row for row in failures if row[0] >= registered[row[1]]],
            [(moment, new_index[n]) for moment, n in voids if n in new_index],
        )

    def microseconds(self, moment):
        moment = moment.replace(tzinfo=datetime.UTC)
        return int((moment - self.window_start).total_seconds() * 1_000_000)

    def with_notes(self, row):
        """A log row with the portal's notes instead of the load generator's: a void
        says why (the load generator marks every row), other rows say nothing."""
        note = self.rng.choice(HISTORY_VOID_REASONS) if "cancelled" in row else None
        return tuple(note if value == LOAD_NOTE else value for value in row)
