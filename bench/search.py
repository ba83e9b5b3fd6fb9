"""Measure household search over a large registry: by phone, by id, by name prefix.

Run from the repository root against a MySQL/MariaDB database filled with
`generate_load_data` (1,000,000 households for the search target in docs/ARCHITECTURE.md), migrated
(households.0004 adds the name indexes the search reads):

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_search \\
        flock /tmp/aidtracker-bench.lock .venv/bin/python -m bench.search [--runs 50]

Each query is what the Households page runs (households.selectors.search_households,
ordered by family name, paginated 25 a page: the count and the first page), timed
in-process, plus the same page through Django's test client. Queries are drawn
from real rows: phone numbers typed in another spelling ("+1 (202) 555-0142"),
household numbers ("#123" and "123"), 3- and 5-letter family name prefixes, 3-letter
contact name prefixes (the given name, in the generated data), 1-letter prefixes
(the worst case: about a tenth of the registry matches), and no query at all (the
page as it opens: every household). Target (docs/ARCHITECTURE.md, "Targets"):
p50 < 50 ms for phone, id and name prefix. It reports; it never fails on timing.
"""

import argparse
import os
import random
import statistics
import sys
import time

TARGET_MS = 50


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def percentile(samples, quantile):
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[quantile - 1]


def sample_queries(rng, runs):
    """Return {kind: [query, ...]} drawn from existing households."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(household_id), MAX(household_id) FROM Households")
        low, high = cursor.fetchone()
        ids = []
        while len(ids) < runs:
            cursor.execute(
                "SELECT household_id, phone_number, family_name, primary_contact_name "
                "FROM Households "
                "WHERE household_id >= %s ORDER BY household_id LIMIT 1",
                [rng.randint(low, high)],
            )
            row = cursor.fetchone()
            if row:
                ids.append(row)
    phones, numbers, short_prefixes, long_prefixes, contacts, letters = [], [], [], [], [], []
    for household_id, phone, family, contact in ids:
        digits = phone.removeprefix("+1")
        phones.append(
            f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else phone
        )
        numbers.append(f"#{household_id}" if len(numbers) % 2 else str(household_id))
        short_prefixes.append(family[:3].lower())
        long_prefixes.append(family[:5])
        contacts.append(contact[:3].upper())
        letters.append(family[:1].lower())
    return {
        "phone": phones,
        "id": numbers,
        "name prefix (3 letters)": short_prefixes,
        "name prefix (5 letters)": long_prefixes,
        "contact name prefix (3 letters)": contacts,
        "name prefix (1 letter)": letters,
        "no query (every household)": [""] * len(ids),
    }


def search_page(query):
    """What HouseholdListView runs: the COUNT for the paginator and the first 25 rows."""
    from django.core.paginator import Paginator

    from households.selectors import search_households

    page = Paginator(search_households(query).order_by("family_name", "id"), 25).get_page(1)
    return page.paginator.count, list(page.object_list)


def measure(queries, call):
    samples, matches = [], []
    call(queries[0])  # warm-up
    for query in queries:
        started = time.perf_counter()
        result = call(query)
        samples.append(1000 * (time.perf_counter() - started))
        matches.append(result)
    return samples, matches


def queries_per_call(call, query):
    """How many SQL statements one call sends (counted apart from the timed runs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call(query)
    return len(captured.captured_queries)


def run_round(queries, client, rows):
    def page(query):
        response = client.get("/households/", {"q": query})
        assert response.status_code == 200, response.status_code
        return response

    for kind, values in queries.items():
        for path, call, sample in (
            ("selector", search_page, values),
            ("page", page, values[: max(5, len(values) // 3)]),
        ):
            samples, results = measure(sample, call)
            found = ""
            if path == "selector":
                found = f"{statistics.median(count for count, _ in results):,.0f}"
            rows.append(
                (
                    kind,
                    path,
                    len(samples),
                    f"{percentile(samples, 50):.1f}",
                    f"{percentile(samples, 95):.1f}",
                    found,
                    queries_per_call(call, sample[0]),
                )
            )
            print("  " + " | ".join(str(value) for value in rows[-1]), flush=True)


def print_table(rows):
    header = ("query", "path", "runs", "p50 ms", "p95 ms", "matches", "queries")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from centers.models import StaffMember

    if connection.vendor != "mysql":
        print("Run this benchmark on MySQL/MariaDB (DATABASE_URL=mysql://...).", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM Households")
        total = cursor.fetchone()[0]
        cursor.execute("SHOW INDEX FROM Households")
        existing = {row[2] for row in cursor.fetchall()}
    print(f"Households: {total:,}; indexes: {', '.join(sorted(existing))}")
    missing = {"idx_household_family_name", "idx_household_contact_family"} - existing
    if missing:
        print(f"Missing {', '.join(sorted(missing))}: run migrate first.", file=sys.stderr)
        return 2

    user, _ = get_user_model().objects.get_or_create(username="bench-search-worker")
    staff, _ = StaffMember.objects.get_or_create(
        user=user,
        defaults={
            "first_name": "Bench",
            "last_name": "Search",
            "email": "bench-search-worker@example.org",
            "role": StaffMember.Role.WORKER,
            "center_id": StaffMember.objects.exclude(center=None)
            .values_list("center_id", flat=True)
            .first(),
            "hire_date": "2020-01-01",
        },
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(staff.user)

    queries = sample_queries(random.Random(args.seed), args.runs)
    rows = []
    print(f"Load average at start: {load_average()}")
    run_round(queries, client, rows)
    print(f"Load average at end: {load_average()}")
    print()
    print_table(rows)
    print(f"\nTarget: p50 < {TARGET_MS} ms per kind of query (selector path).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
