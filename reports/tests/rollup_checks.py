"""Checks shared by the rollup tests: the rollups equal an aggregation over the log."""

import datetime

from distribution.models import DistributionLog
from reports import rollup, selectors

from .factories import (
    coverage_as_tuples,
    expected_coverage,
    expected_summary,
    summary_as_tuples,
)


def served_months():
    dates = DistributionLog.objects.filter(transaction_status="success").values_list(
        "distribution_date", flat=True
    )
    months = sorted({d.astimezone(datetime.UTC).date().replace(day=1) for d in dates})
    return months[0], months[-1]


def assert_coverage_matches_the_log():
    """The coverage report equals expected_coverage() on a few days around the log."""
    from centers.models import DistributionCenter
    from inventory.models import AidPackage

    last = (
        max(DistributionLog.objects.values_list("distribution_date", flat=True))
        .astimezone(datetime.UTC)
        .date()
    )
    for days in (0, 3, 10, 40):
        today = last + datetime.timedelta(days=days)
        report = selectors.coverage(
            centers=DistributionCenter.objects.all(),
            packages=AidPackage.objects.all(),
            today=today,
        )
        assert coverage_as_tuples(report) == expected_coverage(today=today), today


def assert_rollups_match_the_log(centers, categories):
    result = rollup.verify()
    assert result.ok, result.problems
    assert_coverage_matches_the_log()
    month_from, month_to = served_months()
    for center in [None, *centers]:
        for category in [None, *categories]:
            filters = {
                "month_from": month_from,
                "month_to": month_to,
                "center": center,
                "category": category,
            }
            report = selectors.monthly_summary(**filters)
            assert summary_as_tuples(report) == expected_summary(**filters), filters
