"""Measure the report pages: monthly summary (the seed's view against the rollups), coverage.

Run from the repository root against a MySQL/MariaDB database of its own, filled
with `generate_load_data` first:

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_reportbench \\
        .venv/bin/python manage.py generate_load_data --households 1000000 \\
        --distributions 1000000 --months 12 --seed 42
    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_reportbench \\
        .venv/bin/python -m bench.reports [--runs 30] [--view-runs 5]

Every scenario renders the whole page (filters, five queries, totals, chart data,
the paginated table) side by side from both sources:

- view:   monthly_summary_from_view (below): vw_monthly_summary (GROUP BY
          over the whole log on every read) plus COUNT(DISTINCT) over the log for
          the month and overall unique households;
- rollup: reports.selectors.monthly_summary: the trigger-maintained rollups.

It also times `SELECT * FROM vw_monthly_summary` alone (what the seed design does on
every report), the real URL through Django's test client (middleware, session,
template), the stock report, the coverage report in-process (admin, manager, one
package) next to the query the previous coverage design ran over the log, and
`rebuild_rollup --verify`. It creates two staff logins (bench-report-admin,
bench-report-manager) if they are missing, and otherwise only reads. It reports; it
never fails on timing.
"""

import argparse
import os
import statistics
import sys
import time

TARGET_MS = 100

# The previous coverage design (until reports migration 0005): the latest successful,
# not-voided distribution of each (household, package) inside the validity periods,
# read from the log on every page view. Kept here to measure it on the same data.
PREVIOUS_COVERAGE_SQL = """
SELECT l.center_id, l.package_id, DATE(l.distribution_date), COUNT(*)
  FROM (
    SELECT dl.center_id, dl.package_id, dl.distribution_date,
           ROW_NUMBER() OVER (
               PARTITION BY dl.household_id, dl.package_id
               ORDER BY dl.distribution_date DESC, dl.log_id DESC
           ) AS latest
      FROM Distribution_Log dl
      JOIN Households h ON h.household_id = dl.household_id
     WHERE dl.transaction_status = 'success'
       AND dl.distribution_date >= %s
       AND dl.distribution_date >= CASE dl.package_id {cutoffs} END
       AND h.status = 'active'
       AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
  ) l
 WHERE l.latest = 1
 GROUP BY l.center_id, l.package_id, DATE(l.distribution_date)
"""


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


def timed(call, runs, warmup=1):
    """Return (p50 ms, p95 ms, queries per call) of `call()` over `runs` runs."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    with CaptureQueriesContext(connection) as queries:
        call()
    count = len(queries.captured_queries)
    reset_queries()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(1000 * (time.perf_counter() - started))
    return percentile(samples, 50), percentile(samples, 95), count


def bench_staff():
    """An admin and a manager of the busiest center, with logins, for the pages."""
    from django.contrib.auth import get_user_model
    from django.db.models import Sum

    from centers.models import StaffMember
    from reports.models import MonthlyRollup

    busiest = (
        MonthlyRollup.objects.values("center_id")
        .order_by()
        .annotate(n=Sum("distributions"))
        .order_by("-n")
        .first()
    )
    people = {}
    for role, username, center_id in (
        (StaffMember.Role.ADMIN, "bench-report-admin", busiest["center_id"]),
        (StaffMember.Role.MANAGER, "bench-report-manager", busiest["center_id"]),
    ):
        user, _ = get_user_model().objects.get_or_create(username=username)
        staff, _ = StaffMember.objects.get_or_create(
            user=user,
            defaults={
                "first_name": "Bench",
                "last_name": role.label,
                "email": f"{username}@example.org",
                "role": role,
                "center_id": center_id,
                "hire_date": "2020-01-01",
            },
        )
        people[role] = staff
    return people[StaffMember.Role.ADMIN], people[StaffMember.Role.MANAGER]


def render_call(view, path, staff, params):
    """A callable that renders `view` in-process for `staff`, as a GET of `path` would."""
    from django.test import RequestFactory

    factory = RequestFactory()

    def call():
        request = factory.get(path, params)
        request.user, request.staff = staff.user, staff
        response = view(request)
        response.render()
        assert response.status_code == 200, response.status_code
        return response

    return call


# The original design's way to the monthly report, measured against the rollups.


def monthly_summary_from_view(*, month_from, month_to, center=None, category=None):
    """The monthly report computed the original design's way: vw_monthly_summary plus
    COUNT(DISTINCT) over the log. The view groups the whole log on every read."""
    import datetime
    from decimal import Decimal

    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from distribution.models import MonthlySummary
    from reports.selectors import (
        MonthlySummaryReport,
        SummaryRow,
        assemble_summary,
        served_distributions,
    )

    report = MonthlySummaryReport(month_from, month_to, center, category)
    rows = MonthlySummary.objects.filter(
        month__gte=f"{month_from:%Y-%m}", month__lte=f"{month_to:%Y-%m}"
    )
    if center:
        rows = rows.filter(center_id=center.pk)
    if category:
        rows = rows.filter(category=category)
    groups = [
        SummaryRow(
            month=datetime.date.fromisoformat(f"{row.month}-01"),
            center_id=row.center_id,
            center_name=row.center_name,
            category=row.category,
            distributions=row.total_distributions,
            households=row.unique_households,
            packages=row.total_packages,
            value=Decimal(row.total_value).quantize(Decimal("0.01")),
        )
        for row in rows.order_by()
    ]
    served = served_distributions(
        month_from=month_from, month_to=month_to, center=center, category=category
    )
    month_households = {
        (month.date() if isinstance(month, datetime.datetime) else month): count
        for month, count in served.annotate(
            month=TruncMonth("distribution_date", tzinfo=datetime.UTC)
        )
        .order_by()
        .values("month")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("month", "n")
    }
    overall = served.aggregate(n=Count("household_id", distinct=True))["n"] if groups else 0
    return assemble_summary(report, groups, month_households, overall)


def view_sourced_monthly_page():
    """The monthly summary page, its figures from vw_monthly_summary instead of rollups."""
    from reports.views import MonthlySummaryView

    class ViewSourcedMonthlySummary(MonthlySummaryView):
        def get_report(self, filters):
            return monthly_summary_from_view(
                month_from=filters["month_from"],
                month_to=filters["month_to"],
                center=filters.get("center"),
                category=filters.get("category") or None,
            )

    return ViewSourcedMonthlySummary


def page_call(staff, source, params):
    """Render the monthly summary page in-process, as the URL would, from `source`."""
    from reports.views import MonthlySummaryView

    view = view_sourced_monthly_page() if source == "view" else MonthlySummaryView
    return render_call(view.as_view(), "/reports/monthly/", staff, params)


def coverage_call(staff, params):
    """Render the coverage page in-process, as the URL would."""
    from reports.views import CoverageView

    return render_call(CoverageView.as_view(), "/reports/coverage/", staff, params)


def previous_coverage_call():
    """The previous design's log query, with today's per-package cutoffs."""
    from django.db import connection

    from distribution.rules import eligibility_cutoff
    from inventory.models import AidPackage

    adapt = connection.ops.adapt_datetimefield_value
    cutoffs = {
        package.pk: eligibility_cutoff(package.validity_period_days)
        for package in AidPackage.objects.filter(is_active=True)
    }
    sql = PREVIOUS_COVERAGE_SQL.format(cutoffs=" ".join(["WHEN %s THEN %s"] * len(cutoffs)))
    params = [
        adapt(min(cutoffs.values())),
        *(value for pk, cutoff in cutoffs.items() for value in (pk, adapt(cutoff))),
    ]

    def call():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
            cursor.execute("SELECT COUNT(*) FROM Households WHERE status = 'active'")
            cursor.fetchall()

    return call


def describe_data():
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for label, sql in (
            ("log rows", "SELECT COUNT(*) FROM Distribution_Log"),
            (
                "  successes",
                "SELECT COUNT(*) FROM Distribution_Log WHERE transaction_status = 'success'",
            ),
            ("households", "SELECT COUNT(*) FROM Households"),
            ("centers", "SELECT COUNT(*) FROM Distribution_Centers"),
            ("packages", "SELECT COUNT(*) FROM Aid_Packages"),
            (
                "Distribution_Monthly_Rollup rows",
                "SELECT COUNT(*) FROM Distribution_Monthly_Rollup",
            ),
            (
                "Distribution_Household_Months rows",
                "SELECT COUNT(*) FROM Distribution_Household_Months",
            ),
            (
                "Distribution_Monthly_Households rows",
                "SELECT COUNT(*) FROM Distribution_Monthly_Households",
            ),
            ("Coverage_Last_Service rows", "SELECT COUNT(*) FROM Coverage_Last_Service"),
            ("Coverage_Last_Package rows", "SELECT COUNT(*) FROM Coverage_Last_Package"),
            ("Coverage_Counts rows", "SELECT COUNT(*) FROM Coverage_Counts"),
            (
                "pending rows (both counters)",
                "SELECT (SELECT COUNT(*) FROM Distribution_Monthly_Households_Pending)"
                " + (SELECT COUNT(*) FROM Coverage_Counts_Pending)",
            ),
        ):
            cursor.execute(sql)
            counts[label] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT MIN(distribution_date), MAX(distribution_date) FROM Distribution_Log"
        )
        first, last = cursor.fetchone()
        cursor.execute("SELECT VERSION(), @@innodb_buffer_pool_size")
        version, pool = cursor.fetchone()
    print(f"Database: {connection.settings_dict['NAME']} on {version}")
    print(f"innodb_buffer_pool_size: {int(pool) // 2**20} MiB; log dates {first} .. {last}")
    for label, value in counts.items():
        print(f"  {label:<40} {value:>12,}")
    return counts


def print_table(rows):
    header = ("scenario", "source", "runs", "p50 ms", "p95 ms", "queries")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per rollup cell")
    parser.add_argument("--view-runs", type=int, default=5, help="timed runs per view cell")
    parser.add_argument("--skip-view", action="store_true", help="measure the rollups only")
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument(
        "--previous-coverage-runs",
        type=int,
        default=3,
        help="timed runs of the previous coverage design's log query (0: skip)",
    )
    args = parser.parse_args(argv)
    setup_django()

    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from reports.filters import add_months

    if connection.vendor != "mysql":
        print("Run this benchmark on MySQL/MariaDB (DATABASE_URL=mysql://...).", file=sys.stderr)
        return 2
    describe_data()
    admin, manager = bench_staff()
    this_month = timezone.now().astimezone(datetime.UTC).date().replace(day=1)
    last_full = add_months(this_month, -1)
    scenarios = [
        ("admin, last 12 months, all centers", admin, {}),
        ("admin, last 12 months, category food", admin, {"category": "food"}),
        ("manager, last 12 months, own center", manager, {}),
        (
            "admin, one month, all centers",
            admin,
            {"month_from": f"{last_full:%Y-%m}", "month_to": f"{last_full:%Y-%m}"},
        ),
    ]
    rows = []
    for label, staff, params in scenarios:
        for source in ("view", "rollup"):
            if source == "view" and args.skip_view:
                continue
            runs = args.view_runs if source == "view" else args.runs
            p50, p95, queries = timed(page_call(staff, source, params), runs)
            rows.append((label, source, runs, f"{p50:.1f}", f"{p95:.1f}", queries))
            print(f"  measured: {label} / {source}: p50 {p50:.1f} ms", flush=True)

    def seed_view():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM vw_monthly_summary")
            cursor.fetchall()

    if not args.skip_view:
        p50, p95, queries = timed(seed_view, args.view_runs)
        rows.append(
            (
                "SELECT * FROM vw_monthly_summary",
                "view",
                args.view_runs,
                f"{p50:.1f}",
                f"{p95:.1f}",
                queries,
            )
        )

    client = Client(SERVER_NAME="localhost")
    client.force_login(admin.user)

    def through_client(path):
        def call():
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        return call

    from inventory.models import AidPackage

    busiest_package = AidPackage.objects.filter(is_active=True).order_by("pk").first()
    for label, staff, params in (
        ("coverage page: admin, all centers, all packages", admin, {}),
        ("coverage page: manager, own center", manager, {}),
        ("coverage page: admin, one package", admin, {"package": busiest_package.pk}),
    ):
        p50, p95, queries = timed(coverage_call(staff, params), args.runs)
        rows.append((label, "rollup", args.runs, f"{p50:.1f}", f"{p95:.1f}", queries))
        print(f"  measured: {label}: p50 {p50:.1f} ms", flush=True)
    if args.previous_coverage_runs:
        label = "coverage: previous design's log query alone"
        p50, p95, queries = timed(previous_coverage_call(), args.previous_coverage_runs)
        rows.append(
            (label, "log", args.previous_coverage_runs, f"{p50:.1f}", f"{p95:.1f}", queries)
        )
        print(f"  measured: {label}: p50 {p50:.1f} ms", flush=True)

    for label, path, runs in (
        ("GET /reports/monthly/ (test client, admin)", "/reports/monthly/", args.runs),
        ("GET /reports/stock/ (test client, admin)", "/reports/stock/", 10),
        ("GET /reports/coverage/ (test client, admin)", "/reports/coverage/", args.runs),
    ):
        p50, p95, queries = timed(through_client(path), runs)
        rows.append(
            (
                label,
                "live" if "stock" in path else "rollup",
                runs,
                f"{p50:.1f}",
                f"{p95:.1f}",
                queries,
            )
        )
        print(f"  measured: {label}: p50 {p50:.1f} ms", flush=True)

    print()
    print_table(rows)
    rollup_p50 = [
        float(row[3]) for row in rows if row[1] == "rollup" and "admin, last 12" in row[0]
    ]
    if rollup_p50:
        verdict = "met" if rollup_p50[0] < TARGET_MS else "MISSED"
        print(
            f"\nTarget: monthly summary p50 < {TARGET_MS} ms: {verdict} ({rollup_p50[0]:.1f} ms)."
        )
    coverage_p50 = [float(row[3]) for row in rows if row[0].startswith("coverage page: admin, all")]
    if coverage_p50:
        verdict = "met" if coverage_p50[0] < TARGET_MS else "MISSED"
        print(
            f"Coverage page p50 < {TARGET_MS} ms (same class as monthly): {verdict} "
            f"({coverage_p50[0]:.1f} ms)."
        )

    if not args.skip_verify:
        started = time.perf_counter()
        call_command("rebuild_rollup", verify=True)
        print(f"rebuild_rollup --verify: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
