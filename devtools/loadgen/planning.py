"""Decide what synthetic load data to write, before anything is written.

Planner turns the requested sizes into rows: households with explicit ids and
unique phones, successful distributions that respect each package's validity
period, failures, voids, and the log ids in time order. It only reads the database
(the next free ids, the phones already taken); BulkLoader (loader.py) writes.
Every random choice comes from one seeded generator, in a fixed order, so the same
seed plans the same data.
"""

import datetime
import random
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from distribution.rules import FAILURE_MESSAGES

from .data import (
    CITIES,
    FAILURE,
    FAILURE_CODES,
    FAMILY_NAMES,
    GIVEN_NAMES,
    HOME_CENTER_SHARE,
    LOAD_NOTE,
    PACKAGES_PER_VISIT,
    QUANTITIES,
    STREETS,
    SUCCESS,
    VISIT_INTERVAL_DAYS,
    VOID,
    month_starts,
    sql_time,
    weighted,
)


def _silent(message):
    pass


class Planner:
    """The seeded generator, the time window (the last `months` UTC months) and the plans."""

    def __init__(self, *, seed=None, months=12, progress=None):
        self.rng = random.Random(seed)
        self.progress = progress or _silent
        self.now = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
        self.window_start = month_starts(
            self.now - datetime.timedelta(days=31 * (months - 1)), self.now
        )[0]

    # Households ----------------------------------------------------------------

    def plan_households(self, count, centers):
        """Return household rows with explicit ids, unique E.164 phones and a home center."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(household_id), 0) FROM Households")
            first_id = cursor.fetchone()[0] + 1
            base = self.rng.randrange(2_000_000_000, 9_000_000_000 - 2 * count)
            cursor.execute(
                "SELECT phone_number FROM Households WHERE phone_number BETWEEN %s AND %s",
                [f"+1{base}", f"+1{base + 2 * count}"],
            )
            taken = {row[0] for row in cursor.fetchall()}
        weights = [self.rng.uniform(0.5, 3) for _ in centers]
        today = self.now.date()
        stamp = sql_time(self.now)
        rows, number = [], base
        for n in range(count):
            phone = f"+1{number}"
            while phone in taken:
                number += 1
                phone = f"+1{number}"
            number += 1
            family = self.rng.choice(FAMILY_NAMES)
            if self.rng.random() < 0.3:
                family = f"{family}-{self.rng.choice(FAMILY_NAMES)}"
            center = self.rng.choices(centers, weights)[0]
            city, state, zip_code = CITIES[center.pk % len(CITIES)]
            registered = self.window_start.date() - datetime.timedelta(
                days=self.rng.randrange(0, 3 * 365)
            )
            status = weighted(self.rng, (("active", 0.97), ("inactive", 0.02), ("suspended", 0.01)))
            rows.append(
                (
                    first_id + n,
                    family,
                    f"{self.rng.choice(GIVEN_NAMES)} {family}",
                    phone,
                    f"{self.rng.randrange(1, 999)} {self.rng.choice(STREETS)} Street",
                    city,
                    state,
                    zip_code,
                    self.rng.randint(1, 9),
                    self.rng.choice(("no_income", "very_low", "low", "moderate")),
                    self.rng.choice(("critical", "high", "medium", "medium", "low")),
                    min(registered, today).isoformat(),
                    status,
                    stamp,
                    stamp,
                    center.pk,  # home center, not a column
                )
            )
        self.progress(f"Planned {count} households.")
        return rows

    # Distributions -------------------------------------------------------------

    def plan_distributions(
        self, households, centers, packages, staff, total, failure_rate, void_rate
    ):
        """Return (successes, failures, voids) as tuples keyed by microsecond timestamps.

        `staff` maps each center to who records its rows there (BulkLoader.ensure_staff).

        Active households visit about every VISIT_INTERVAL_DAYS days, mostly at their
        home center, and take a few packages; a package is given only if the
        household's previous one is at least its validity period (UTC days) old.
        """
        rng = self.rng
        wanted = round(total * (1 - failure_rate) / (1 + void_rate))
        wanted_voids = round(wanted * void_rate)
        active = [row for row in households if row[12] == "active"]
        now_us = int((self.now - self.window_start).total_seconds() * 1_000_000)
        cycles = (self.now - self.window_start).days // VISIT_INTERVAL_DAYS + 1
        phases = [rng.randrange(VISIT_INTERVAL_DAYS) for _ in active]
        # Few households for many distributions: every visit takes more packages,
        # and more visits happen, until enough successes fit (or nothing more fits).
        boost, successes = 1.0, []
        for _ in range(6):
            successes = self.plan_successes(
                active, phases, cycles, centers, packages, staff, wanted, boost, now_us
            )
            if len(successes) >= wanted:
                break
            boost *= 1.1 * wanted / max(len(successes), 1)
        if len(successes) > wanted:
            keep = sorted(rng.sample(range(len(successes)), wanted))
            successes = [successes[i] for i in keep]

        voids = []
        for index in rng.sample(range(len(successes)), min(wanted_voids, len(successes))):
            moment = successes[index][0]
            delay = rng.randrange(600, 3 * 86_400) * 1_000_000
            voids.append((min(moment + delay, now_us - 1), index))
        voids = [(moment, index) for moment, index in voids if moment > successes[index][0]]

        failures = []
        short = len(successes) < wanted
        for _ in range(round(total * failure_rate) if short else total - wanted - len(voids)):
            household = rng.choice(households)
            center = rng.choice(centers)
            failures.append(
                (
                    rng.randrange(0, now_us),
                    household[0],
                    rng.choice(packages).pk,
                    center.pk,
                    staff[center.pk],
                    weighted(rng, FAILURE_CODES),
                )
            )
        self.progress(
            f"Planned {len(successes)} successes, {len(failures)} failures, {len(voids)} voids."
        )
        return successes, failures, voids

    def plan_successes(
        self, active, phases, cycles, centers, packages, staff, wanted, boost, now_us
    ):
        """Pick visits (household, cycle) and the packages each one receives."""
        rng = self.rng
        mean_packages = sum(k * p for k, p in PACKAGES_PER_VISIT)
        slots = len(active) * cycles
        visits = wanted * boost / mean_packages * 1.15
        sample = min(slots, int(visits) + 1)
        per_visit = max(1.0, visits / max(slots, 1))  # when every slot is a visit already
        chosen = sorted(rng.sample(range(slots), sample)) if sample else []
        successes, previous, last_given = [], None, {}
        for slot in chosen:
            index, cycle = divmod(slot, cycles)
            if index != previous:
                previous, last_given = index, {}
            day = phases[index] + cycle * VISIT_INTERVAL_DAYS + rng.randint(0, 2)
            moment = (day * 86_400 + rng.randrange(8 * 3600, 17 * 3600)) * 1_000_000
            moment += rng.randrange(1_000_000)
            if moment >= now_us:
                continue
            household = active[index]
            center_id = household[-1]  # the home center, mostly
            if rng.random() >= HOME_CENTER_SHARE:
                center_id = rng.choice(centers).pk
            eligible = [
                package
                for package in packages
                if last_given.get(package.pk) is None
                or day - last_given[package.pk] >= package.validity_period_days
            ]
            how_many = int(weighted(rng, PACKAGES_PER_VISIT) * per_visit + rng.random())
            # Weighted sampling without replacement: the largest random() ** (1 / weight).
            eligible.sort(key=lambda package: -(rng.random() ** (1 / package.weight)))
            for offset, package in enumerate(eligible[:how_many], start=1):
                last_given[package.pk] = day
                successes.append(
                    (
                        moment + offset,
                        household[0],
                        package.pk,
                        center_id,
                        staff[center_id],
                        weighted(rng, QUANTITIES),
                    )
                )
        return successes

    def number_log_rows(self, successes, failures, voids):
        """Order every attempt by time, give it a log id, and return rows and stock events."""
        epoch = self.window_start
        events = [(row[0], SUCCESS, index) for index, row in enumerate(successes)]
        events += [(moment, VOID, index) for moment, index in voids]
        events += [(row[0], FAILURE, index) for index, row in enumerate(failures)]
        events.sort()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(log_id), 0) FROM Distribution_Log")
            next_id = cursor.fetchone()[0] + 1
        success_ids = {}
        rows, stock_events = [], defaultdict(list)
        for moment, kind, index in events:
            stamp = sql_time(epoch + datetime.timedelta(microseconds=moment))
            if kind == FAILURE:
                _, household_id, package_id, center_id, staff, code = failures[index]
                rows.append(
                    (
                        next_id,
                        household_id,
                        package_id,
                        center_id,
                        *staff,
                        1,
                        stamp,
                        "failed",
                        FAILURE_MESSAGES[code],
                        code,
                        LOAD_NOTE,
                        None,
                    )
                )
            else:
                _, household_id, package_id, center_id, staff, quantity = successes[index]
                if kind == SUCCESS:
                    success_ids[index] = next_id
                    status, voided, change = "success", None, -quantity
                else:
                    status, voided, change = "cancelled", success_ids[index], quantity
                rows.append(
                    (
                        next_id,
                        household_id,
                        package_id,
                        center_id,
                        *staff,
                        quantity,
                        stamp,
                        status,
                        None,
                        None,
                        LOAD_NOTE,
                        voided,
                    )
                )
                stock_events[center_id, package_id].append((moment, change))
            next_id += 1
        return rows, stock_events
