"""The distribution form under concurrent HTTP load: the quick, CI version of bench.load.http.

Django's live server (a threaded WSGI server, one thread and one database connection
per request) stands in for gunicorn. Eight clients, each signed in through the login
form with its own session and CSRF cookie, GET the form, POST it with its one-time
token and follow the redirect to the receipt, all at once for a few seconds. Then
what they saw is reconciled with the database: every receipt is a success row of
the log, no success row nobody saw, one failed row per refusal shown, nobody served
twice, stock = restocked - successes and `check_stock` passes, no 5xx. The full runs
(gunicorn, 16 and 64 clients, killed database and workers) are in bench/load and
docs/RELIABILITY.md. Runs on SQLite and MariaDB alike.
"""

import pytest

from devtools.load.client import SUCCESS, LoadRun
from devtools.load.world import last_units_world, mixed_world, verify

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill, pytest.mark.slow]

CLIENTS = 8
SECONDS = 4.0
MAX_POSTS = 2000  # far above what a few seconds allow: only a bound


def assert_checks_pass(checks):
    failed = [f"{check.name}: {check.detail}" for check in checks if not check.ok]
    assert not failed, failed


def test_concurrent_form_posts_reconcile_with_log_and_stock(live_server):
    world = mixed_world(
        clients=CLIENTS,
        households_count=150,
        inactive_count=5,
        spread_centers=2,
        scarce_units=3,
        repeat_fraction=0.5,  # a served household comes back: not eligible any more
        inactive_fraction=0.05,
    )

    result = LoadRun(
        live_server.url, world.workload, seconds=SECONDS, max_posts=MAX_POSTS, seed=6
    ).run()

    assert_checks_pass(verify(world, result))
    outcomes = result.outcomes()
    assert outcomes[SUCCESS] > 0, outcomes
    assert outcomes["not_eligible"] > 0, outcomes
    assert len(result.of("receipt")) == outcomes[SUCCESS]


def test_last_five_units_give_exactly_five_successes_over_http(live_server):
    world = last_units_world(clients=CLIENTS, units=5, households_count=150)

    result = LoadRun(live_server.url, world.workload, seconds=3.0, max_posts=MAX_POSTS).run()

    assert_checks_pass(verify(world, result))  # includes: exactly 5 seen, 5 in the log
    outcomes = result.outcomes()
    assert outcomes[SUCCESS] == 5, outcomes
    assert outcomes["insufficient_stock"] > 0, outcomes
    assert set(outcomes) == {SUCCESS, "insufficient_stock"}, outcomes
