"""Measure what recording a list page in the access log costs: one INSERT per page view.

Run from the repository root against a migrated database (MySQL/MariaDB or SQLite):

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_bench_access \\
        flock /tmp/aidtracker-bench.lock .venv/bin/python -m bench.access_log [--runs 300]

It adds 25 households and a worker if the database has fewer (they stay: the access
log is append-only, so use a database of its own), then times, in-process:

- `record`: `audit.services.record_households_shown` with the 25 ids of a page, alone;
- `page`: the Households page (25 a page) through Django's test client, as a signed-in
  worker, with the recording, and `page, not recorded` with it replaced by a no-op.

The difference of the two page medians is what a reader pays. It reports; it never
fails on timing.
"""

import argparse
import os
import statistics
import sys
import time


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def percentile(samples, quantile):
    return statistics.quantiles(samples, n=100, method="inclusive")[quantile - 1]


def world():
    """A worker and at least 25 households (created once, kept)."""
    import datetime

    from django.contrib.auth import get_user_model

    from centers.models import DistributionCenter, StaffMember
    from households.models import Household

    center = DistributionCenter.objects.first() or DistributionCenter.objects.create(
        center_name="Bench center",
        address="1 Bench Road",
        city="Springfield",
        state="IL",
        zip_code="62701",
    )
    worker = StaffMember.objects.filter(user__username="bench-access").first()
    if worker is None:
        user = get_user_model().objects.create_user("bench-access")
        worker = StaffMember.objects.create(
            user=user,
            first_name="Bench",
            last_name="Reader",
            email="bench-access@example.org",
            role=StaffMember.Role.WORKER,
            center=center,
            hire_date=datetime.date(2025, 1, 1),
        )
    missing = 25 - Household.objects.count()
    Household.objects.bulk_create(
        Household(
            family_name=f"Bench{n:03d}",
            primary_contact_name=f"Ana Bench{n:03d}",
            phone_number=f"+1202555{9000 + n:04d}",
            address=f"{n} Bench Street",
            city="Springfield",
            state="IL",
            zip_code="62701",
            family_size=3,
            income_level="low",
            registration_date=datetime.date(2025, 1, 1),
        )
        for n in range(max(missing, 0))
    )
    return worker


def timed(function, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args(argv)
    setup_django()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    import households.views
    from audit.services import record_households_shown
    from households.models import Household

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    worker = world()
    ids = list(Household.objects.order_by("family_name", "pk").values_list("pk", flat=True)[:25])
    client = Client()
    client.force_login(worker.user)
    url = reverse("households:list")

    def record():
        record_households_shown(
            staff=worker, target="household list", household_ids=ids, params={"page": 1}
        )

    def page():
        assert client.get(url).status_code == 200

    timed(page, 20)  # warm up
    results = {"record": timed(record, args.runs), "page": timed(page, args.runs)}
    real = households.views.record_households_shown
    households.views.record_households_shown = lambda **kwargs: None
    try:
        results["page, not recorded"] = timed(page, args.runs)
    finally:
        households.views.record_households_shown = real

    print(f"{connection.vendor}, {args.runs} runs each, 25 households a page")
    print("| what | p50 ms | p95 ms |")
    print("| --- | ---: | ---: |")
    for name, samples in results.items():
        print(f"| {name} | {statistics.median(samples):.2f} | {percentile(samples, 95):.2f} |")
    extra = statistics.median(results["page"]) - statistics.median(results["page, not recorded"])
    print(f"recording adds {extra:.2f} ms to the page's median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
