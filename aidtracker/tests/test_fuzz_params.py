"""Every page, every query parameter it reads, every digit-like and out-of-range value.

The parameters a page reads are found by asking it: one GET with none, while the
query dictionary records each name the page looks up. So a page or filter added
later is covered without a list to keep. Each of those parameters is then sent
alone, and all of them together, with values that have crashed pages before:
characters that `str.isdigit()` accepts but `int()` refuses, numbers beyond every
column, dates and months whose arithmetic leaves `datetime`'s range. The answer is
never a 500, and a GET changes nothing.
"""

import contextlib
from unittest import mock

import pytest
from django.http import QueryDict

from aidtracker.tests.test_access import route_path, walked_routes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

DIGIT_LIKE = ["²", "①", "¹²³", "٣", "１２", "1_0"]
OUT_OF_RANGE = [
    "0",
    "-1",
    "2147483648",
    "99999999999999999999",
    "1e309",
    "9999-12",
    "9999-12-31",
    "10000-01-01",
    "0000-00",
    "1899-12",
    "2025-13",
    "2025-02-30",
]
VALUES = DIGIT_LIKE + OUT_OF_RANGE
PROBE = "probe"

# QueryDict lookups by name (iterating every key, as admin changelists do, names none).
LOOKUPS = ("__getitem__", "get", "getlist", "__contains__", "pop")


@contextlib.contextmanager
def recorded_lookups():
    """Record the names looked up in any QueryDict inside the block."""
    names = set()

    def recording(method):
        def lookup(self, key, *args, **kwargs):
            if isinstance(key, str):
                names.add(key)
            return method(self, key, *args, **kwargs)

        return lookup

    with contextlib.ExitStack() as stack:
        for name in LOOKUPS:
            stack.enter_context(
                mock.patch.object(QueryDict, name, recording(getattr(QueryDict, name)))
            )
        yield names


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_every_parameter_of_every_page_survives_hostile_numbers_and_dates(
    client, portal, db_state, role
):
    client.force_login(portal.staff[role].user)
    client.raise_request_exception = False
    before = db_state()
    failures, covered = [], {}

    admin_kinds = set()
    for label, path in ((route.label, route_path(route)) for route in walked_routes()):
        with recorded_lookups() as names:
            client.get(path, {PROBE: "1"})  # a query, so that `request.GET or None` reads it
        params = sorted(names - {"next", PROBE})
        covered[label] = params
        if label.startswith("admin:"):
            # Django admin's own parameters are the same machinery for every model:
            # each kind of admin page once per set of parameters it reads.
            kind = (label.rsplit("_", 1)[-1], tuple(params))
            if kind in admin_kinds:
                continue
            admin_kinds.add(kind)
        requests = [{name: value} for name in params for value in VALUES]
        requests += [dict.fromkeys(params, value) for value in VALUES] if params else []
        for query in requests:
            status = client.get(path, query).status_code
            if status >= 500:
                failures.append((label, query, status))

    assert failures == []
    assert db_state() == before
    # The walk really found the parameters that crashed pages before.
    assert "center" in covered["reports:monthly"]
    assert {"month_from", "month_to"} <= set(covered["reports:monthly"])
    assert {"date_from", "date_to", "household"} <= set(covered["distribution:log"])
