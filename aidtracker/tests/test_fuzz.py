"""Property tests: random, hostile input to every form and every query-string filter.

For any input: never a 500, never an unescaped script echoed back, and a refused
POST changes nothing (stock, logs, movements, households). The one exception is by
design: a distribution the service refuses leaves exactly one `failed` audit row.

Each example runs inside a savepoint that is rolled back, so examples do not see
each other's writes and every one starts from the same small world.
"""

import contextlib
import csv
import io
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.urls import resolve, reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aidtracker.tests.test_permission_matrix import (
    form_token,
    household_form_data,
    package_form_data,
    portal_transfer,
)
from audit.models import AccessLog
from distribution.services import FAILURE_MESSAGES
from households import import_jobs
from households.import_models import HouseholdImport

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    SCRIPT,
    f'"><{SCRIPT[1:]}',
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE Inventory; --",
    "1 OR 1=1",
    "1' OR '1'='1",
    "\x00",
    "1\x00",
    "%00",
    "{{ 7|add:7 }}",
    "{% debug %}",
    "../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "１２",  # full-width digits: int() reads them
    "١٢٣",  # Arabic-Indic digits
    "1e9",
    "0x1F",
    "1_000",
    "1.0",
    "1.5",
    " 7 ",
    "-0",
    "NaN",
    "inf",
    "true",
    "null",
    "",
    " ",
    "x" * 100_000,
    "é" * 5_000,
    "9" * 5_000,
    "😀" * 300,
    "\u202eevil",
    "a\r\nSet-Cookie: x=1",
]
ECHO_MARKERS = ("<script>alert(1)", "<img src=x onerror")

# Characters that str.isdigit() accepts but int() refuses (Unicode category No): number
# parameters must treat them as "not a number", never crash on them.
DIGIT_LIKE = ["²", "①", "¹²³"]
# Numbers and dates beyond what columns and datetime hold: refused with a message,
# never an overflow (a year past 9999, a month after 9999-12, an id past 2^31).
OUT_OF_RANGE = [
    "2147483648",
    "99999999999999999999",
    "1e309",
    "1_0",
    "9999-12",
    "9999-12-31",
    "10000-01-01",
    "0001-01-01",
    "1899-12-31",
    "2025-02-30",
]
HOSTILE = [*HOSTILE, *DIGIT_LIKE, *OUT_OF_RANGE]


TEXT = st.text(st.characters(exclude_categories=("Cs", "No")), max_size=80)


def hostile_values(ids=()):
    """Strings a tampered or careless POST might carry, plus real and foreign ids."""
    strategies = [
        TEXT,
        st.sampled_from(HOSTILE),
        st.integers(-(10**30), 10**30).map(str),
        st.integers(-3, 30).map(str),
        st.builds(lambda a, b: f"{a}{SCRIPT}{b}", TEXT, TEXT),
    ]
    if ids:
        strategies.append(st.sampled_from([str(i) for i in ids]))
    return st.one_of(*strategies)


def field(valid, ids=()):
    """Mostly a valid value, often a hostile one, so one bad field meets valid others."""
    return st.one_of(st.just(valid), hostile_values(ids))


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_no_echo(response):
    if "html" not in response.get("Content-Type", ""):
        return
    content = response.content.decode(errors="replace")
    for marker in ECHO_MARKERS:
        assert marker not in content, f"unescaped {marker!r} echoed back"


def refused(response):
    """True if the request was refused: no redirect, or a redirect with an error message."""
    if response.status_code != 302:
        return True
    return any(m.level == constants.ERROR for m in get_messages(response.wsgi_request))


def service_refusal(response):
    form = (response.context or {}).get("form") if response.status_code == 200 else None
    if form is None:
        return False
    return any(error in FAILURE_MESSAGES.values() for error in form.non_field_errors())


def post_and_check(client, db_state, url, data):
    """POST hostile data: no 500, no echo, and nothing changed unless it was accepted."""
    before = db_state()
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    assert response.status_code in (200, 302, 403, 404), response.status_code
    assert_no_echo(response)
    after = db_state()
    if service_refusal(response):
        assert after["inventory"] == before["inventory"]
        assert after["movements"] == before["movements"]
        assert after["households"] == before["households"]
        assert after["logs"][: len(before["logs"])] == before["logs"]
        assert [status for _, status in after["logs"][len(before["logs"]) :]] == ["failed"]
    elif refused(response):
        assert after == before, f"refused POST {data!r} changed the database"
    elif response.status_code == 302:
        assert_no_echo(client.get(response["Location"]))
    return response


def lot_ids(world):
    """The lots of both centers' rows (one each, from the portal's restocks) and ids of any."""
    from inventory.models import StockLot

    return [*StockLot.objects.order_by("pk").values_list("pk", flat=True), *ids_of(world)]


def ids_of(world):
    return [
        world.household.pk,
        world.served.pk,
        world.other_served.pk,
        world.package.pk,
        world.other_package.pk,
        world.center.pk,
        world.other_center.pk,
        world.inventory.pk,
        world.other_inventory.pk,
        world.log.pk,
        world.other_log.pk,
        0,
        2_147_483_647,
        2_147_483_648,
    ]


# --------------------------------------------------------------------------- forms


@FUZZ
@given(data=st.data())
def test_household_forms(client, portal, db_state, data):
    client.force_login(portal.staff["worker"].user)
    valid = household_form_data()
    post = {name: data.draw(field(value), label=name) for name, value in valid.items()}
    url_name = data.draw(st.sampled_from(["households:create", "households:edit"]))
    kwargs = {"pk": portal.household.pk} if url_name == "households:edit" else {}
    with rolled_back():
        post_and_check(client, db_state, reverse(url_name, kwargs=kwargs), post)


@FUZZ
@given(data=st.data())
def test_household_status_form(client, portal, db_state, data):
    client.force_login(portal.staff["manager"].user)
    status = data.draw(field("suspended"))
    with rolled_back():
        post_and_check(
            client,
            db_state,
            reverse("households:status", args=[portal.household.pk]),
            {"status": status},
        )


@FUZZ
@given(data=st.data())
def test_distribution_form(client, portal, db_state, data):
    role = data.draw(st.sampled_from(["volunteer", "worker", "admin", "other_manager"]))
    client.force_login(portal.staff[role].user)
    ids = ids_of(portal)
    with rolled_back():
        post = {
            "household": data.draw(
                field(str(portal.household.pk), ids),
                label="household",
            ),
            "package": data.draw(field(str(portal.package.pk), ids), label="package"),
            "quantity": data.draw(field("1", ids), label="quantity"),
            "center": data.draw(field(str(portal.center.pk), ids), label="center"),
            "token": data.draw(field(form_token(client)), label="token"),
        }
        post_and_check(client, db_state, reverse("distribution:new"), post)


@FUZZ
@given(data=st.data())
def test_visit_form(client, portal, db_state, data):
    role = data.draw(st.sampled_from(["volunteer", "worker", "admin", "other_manager"]))
    client.force_login(portal.staff[role].user)
    ids = ids_of(portal)
    household = data.draw(
        st.sampled_from([portal.household.pk, portal.served.pk, portal.other_served.pk])
    )
    with rolled_back():
        post = {"token": data.draw(field(form_token(client)), label="token")}
        for package in (portal.package.pk, portal.other_package.pk):
            post[f"take_{package}"] = data.draw(field("on"), label=f"take_{package}")
            post[f"quantity_{package}"] = data.draw(field("1", ids), label=f"qty_{package}")
            post[f"due_{package}"] = data.draw(field("1", ids), label=f"due_{package}")
        post["collected_by"] = data.draw(field("Ngozi Okafor"), label="collected_by")
        post["center"] = data.draw(field(str(portal.center.pk), ids), label="center")
        post_and_check(client, db_state, reverse("distribution:visit", args=[household]), post)


@FUZZ
@given(data=st.data())
def test_card_scan_and_card_sheets(client, portal, db_state, data):
    client.force_login(portal.staff["worker"].user)
    value = data.draw(hostile_values(ids_of(portal)))
    with rolled_back():
        before = db_state()
        scan = client.get(reverse("distribution:scan"), {"code": value})
        assert scan.status_code == 302  # to the visit, or back with the reason
        sheet = client.get(reverse("households:card_sheet"), {"ids": value, "registered": value})
        assert sheet.status_code == 200
        assert_no_echo(sheet)
        assert db_state() == before
        post_and_check(client, db_state, reverse("households:card_sheet"), {"ids": value})


@FUZZ
@given(data=st.data())
def test_package_form(client, portal, db_state, data):
    client.force_login(portal.staff["admin"].user)
    post = {
        name: data.draw(field(value), label=name) for name, value in package_form_data().items()
    }
    url_name = data.draw(st.sampled_from(["inventory:package_create", "inventory:package_edit"]))
    kwargs = {"pk": portal.package.pk} if url_name == "inventory:package_edit" else {}
    with rolled_back():
        post_and_check(client, db_state, reverse(url_name, kwargs=kwargs), post)


@FUZZ
@given(data=st.data())
def test_member_and_alternate_forms(client, portal, db_state, data):
    client.force_login(portal.staff["worker"].user)
    valid = {"full_name": "Ada Okafor", "sex": "female", "date_of_birth": "2010-05-01"}
    post = {name: data.draw(field(value), label=name) for name, value in valid.items()}
    post["relationship_to_head"] = data.draw(field("child"), label="relationship_to_head")
    alternates = {
        "first": data.draw(field("Musa Danjuma"), label="first"),
        "second": data.draw(field(""), label="second"),
    }
    with rolled_back():
        url = reverse("households:member_add", args=[portal.household.pk])
        post_and_check(client, db_state, url, post)
        url = reverse("households:alternates", args=[portal.household.pk])
        post_and_check(client, db_state, url, alternates)


@FUZZ
@given(data=st.data())
def test_void_form(client, portal, db_state, data):
    client.force_login(portal.staff["manager"].user)
    log_id = data.draw(st.sampled_from([portal.log.pk, portal.other_log.pk, 2_000_000_000]))
    reason = data.draw(field("Entered twice"))
    with rolled_back():
        post_and_check(
            client, db_state, reverse("distribution:void", args=[log_id]), {"reason": reason}
        )


@FUZZ
@given(data=st.data())
def test_restock_form(client, portal, db_state, data):
    role = data.draw(st.sampled_from(["manager", "admin", "worker"]))
    client.force_login(portal.staff[role].user)
    ids = ids_of(portal)
    center_id = data.draw(st.sampled_from([portal.center.pk, portal.other_center.pk, 2**31 - 1]))
    post = {
        "package": data.draw(field(str(portal.package.pk), ids), label="package"),
        "quantity": data.draw(field("5", ids), label="quantity"),
        "lot_code": data.draw(field("B-7"), label="lot_code"),
        "expiry_date": data.draw(field("2031-05-01"), label="expiry_date"),
        "notes": data.draw(field(""), label="notes"),
    }
    with rolled_back():
        post_and_check(client, db_state, reverse("inventory:restock", args=[center_id]), post)


@FUZZ
@given(data=st.data())
def test_inventory_row_forms(client, portal, db_state, data):
    client.force_login(portal.staff["manager"].user)
    url_name = data.draw(st.sampled_from(["inventory:adjust", "inventory:reorder_level"]))
    inventory_id = data.draw(
        st.sampled_from([portal.inventory.pk, portal.other_inventory.pk, 2**31 - 1])
    )
    post = {
        "delta": data.draw(field("-1"), label="delta"),
        "reason": data.draw(field("damaged"), label="reason"),
        "lot": data.draw(field("", lot_ids(portal)), label="lot"),
        "notes": data.draw(field(""), label="notes"),
        "reorder_level": data.draw(field("4"), label="reorder_level"),
    }
    with rolled_back():
        post_and_check(client, db_state, reverse(url_name, args=[inventory_id]), post)


@FUZZ
@given(data=st.data())
def test_transfer_forms(client, portal, db_state, data):
    """Send, receive and cancel, by any manager or admin, on either end of a transfer."""
    role = data.draw(st.sampled_from(["manager", "other_manager", "admin", "worker"]))
    client.force_login(portal.staff[role].user)
    ids = ids_of(portal)
    with rolled_back():
        transfer = portal_transfer(portal, incoming=data.draw(st.booleans(), label="incoming"))
        ids.append(transfer.pk)
        form = data.draw(st.sampled_from(["send", "receive", "cancel"]), label="form")
        if form == "send":
            center_id = data.draw(
                st.sampled_from([portal.center.pk, portal.other_center.pk, 2**31 - 1])
            )
            url = reverse("inventory:transfer_create", args=[center_id])
            post = {
                "destination": data.draw(field(str(portal.other_center.pk), ids), label="to"),
                "package": data.draw(field(str(portal.package.pk), ids), label="package"),
                "quantity": data.draw(field("2", ids), label="quantity"),
                "lot": data.draw(field("", lot_ids(portal)), label="lot"),
                "notes": data.draw(field("Van 2"), label="notes"),
            }
        else:
            transfer_id = data.draw(st.sampled_from([transfer.pk, 2**31 - 1]), label="transfer")
            url = reverse(f"inventory:transfer_{form}", args=[transfer_id])
            post = {
                "quantity_received": data.draw(field("3", ids), label="quantity_received"),
                "loss_reason": data.draw(field(""), label="loss_reason"),
                "notes": data.draw(field(""), label="notes"),
            }
        post_and_check(client, db_state, url, post)


def spreadsheet_bytes(data):
    """A CSV of the registration columns whose cells are mostly valid, often hostile."""
    valid = household_form_data()
    header = list(valid)
    if data.draw(st.booleans(), label="damaged header"):
        header[data.draw(st.integers(0, len(header) - 1))] = data.draw(hostile_values())
    rows = [header]
    for _ in range(data.draw(st.integers(0, 3), label="rows")):
        rows.append([data.draw(field(value), label=name) for name, value in valid.items()])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


@FUZZ
@given(data=st.data())
def test_household_import_upload(client, portal, db_state, data):
    """Any file, any name: refused with a message or checked; the preview never echoes."""
    client.force_login(portal.staff["manager"].user)
    name = data.draw(
        st.one_of(
            st.sampled_from(["partner.csv", "partner.xlsx", "partner.txt", "partner", ".csv"]),
            hostile_values().map(lambda value: f"{value[:100]}.csv"),
        ),
        label="file name",
    )
    content = data.draw(
        st.one_of(st.binary(max_size=300), st.builds(spreadsheet_bytes, st.just(data))),
        label="content",
    )
    upload = io.BytesIO(content)
    upload.name = name
    with rolled_back():
        response = post_and_check(client, db_state, reverse("households:imports"), {"file": upload})
        if response.status_code == 302:
            job = HouseholdImport.objects.latest("pk")
            import_jobs.run_check(job.pk, job.attempt)
            page = client.get(job.get_absolute_url())
            assert page.status_code == 200
            assert_no_echo(page)
            report = client.get(reverse("households:import_report", args=[job.pk]))
            assert report.status_code == 200


@FUZZ
@given(data=st.data())
def test_login_and_password_forms(client, portal, db_state, data):
    with rolled_back():
        if data.draw(st.booleans(), label="signed in"):
            client.force_login(portal.staff["worker"].user)
            url = reverse("password_change")
            post = {
                "old_password": data.draw(field("correct-horse-battery")),
                "new_password1": data.draw(field("a new long passphrase")),
                "new_password2": data.draw(field("a new long passphrase")),
            }
        else:
            url = reverse("login")
            post = {
                # Over-long usernames crash on MySQL: see test_overlong_username_at_login.
                "username": data.draw(field("worker").filter(lambda name: len(name) <= 150)),
                "password": data.draw(field("correct-horse-battery")),
                "next": data.draw(field("/")),
            }
        response = client.post(url, post)
        assert response.status_code in (200, 302, 429)
        assert_no_echo(response)
        if response.status_code == 302:
            target = urlsplit(response["Location"])  # never an open redirect
            assert (target.scheme, target.netloc) in (("", ""), ("http", "testserver")), target


# ------------------------------------------------------------------- query strings

FILTERS = {
    "home": ["center"],
    "households:list": ["q", "page"],
    "households:detail": ["page"],
    "distribution:new": ["household"],
    "distribution:household_picker": ["household_query", "household"],
    "distribution:check": ["household", "package", "center"],
    "distribution:log": [
        "date_from",
        "date_to",
        "center",
        "package",
        "category",
        "status",
        "household",
        "page",
    ],
    "inventory:stock": ["center", "page"],
    "inventory:transfers": ["center", "page"],
    "inventory:packages": ["page"],
    "inventory:package_detail": ["center"],
    "centers:list": ["page"],
    "centers:detail": ["page"],
}
LIST_VIEWS = {"households:list", "inventory:packages", "centers:list"}
FILTER_VALUES = {
    "date_from": "2025-01-01",
    "date_to": "2030-12-31",
    "category": "food",
    "status": "success",
    "q": "Okafor",
    "household_query": "312 555 0142",
}


@FUZZ
@given(data=st.data())
def test_query_string_filters(client, portal, db_state, data):
    role = data.draw(st.sampled_from(["volunteer", "manager", "admin"]))
    client.force_login(portal.staff[role].user)
    url_name = data.draw(st.sampled_from(sorted(FILTERS)), label="page")
    kwargs = {}
    if url_name in ("households:detail",):
        kwargs = {"pk": portal.served.pk}
    elif url_name in ("inventory:package_detail",):
        kwargs = {"pk": portal.package.pk}
    elif url_name in ("centers:detail",):
        kwargs = {"pk": portal.center.pk}
    ids = ids_of(portal)
    params = {
        name: data.draw(field(FILTER_VALUES.get(name, str(portal.household.pk)), ids), label=name)
        for name in FILTERS[url_name]
        if data.draw(st.booleans(), label=f"send {name}")
    }
    before = db_state()
    response = client.get(reverse(url_name, kwargs=kwargs), params)
    expected = {200}
    if url_name in LIST_VIEWS and "page" in params:
        expected.add(404)  # Django's ListView: a page number out of range is "not found"
    assert response.status_code in expected, (url_name, params, response.status_code)
    assert_no_echo(response)
    assert db_state() == before


# The report pages' filters are read from their filtersets, so a filter added there is
# fuzzed here too; `format` asks for an export (CSV, XLSX, HXL), `page` pages the table.
REPORT_PAGES = [
    "reports:index",
    "reports:monthly",
    "reports:stock",
    "reports:coverage",
    "reports:owed",
    "reports:movements",
]
REPORT_VALUES = {
    "month_from": "2025-01",
    "month_to": "2026-12",
    "month": "2025-04",
    "category": "food",
    "status": "LOW_STOCK",
    "format": "csv",
    "page": "1",
}


def report_params(url_name):
    filterset = getattr(resolve(reverse(url_name)).func.view_class, "filterset_class", None)
    names = sorted(filterset.base_filters) if filterset else []
    return [*names, "format", "page"]


@FUZZ
@given(data=st.data())
def test_report_filters_and_exports(client, portal, db_state, data):
    """Never a 500 or an echoed script; an export is recorded once, a refusal not at all."""
    role = data.draw(st.sampled_from(["manager", "admin"]), label="role")
    client.force_login(portal.staff[role].user)
    url_name = data.draw(st.sampled_from(REPORT_PAGES), label="page")
    sent = [n for n in report_params(url_name) if data.draw(st.booleans(), label=f"send {n}")]
    if "format" not in sent and data.draw(st.booleans(), label="export"):
        sent.append("format")
    # At most one hostile value, so that it meets valid ones (and exports really happen).
    hostile = data.draw(st.sampled_from([None, *sent]), label="hostile parameter")
    valid = {**REPORT_VALUES, "center": portal.center.pk, "package": portal.package.pk}
    params = {}
    for name in sent:
        if name == hostile:
            params[name] = data.draw(hostile_values(ids_of(portal)), label=name)
        elif name == "format":
            params[name] = data.draw(st.sampled_from(["csv", "xlsx", "hxl"]), label=name)
        else:
            params[name] = str(valid[name])
    before, entries = db_state(), AccessLog.objects.count()

    response = client.get(reverse(url_name), params)

    # 400: an unknown export format or invalid filters on an export; 403: a manager
    # naming another center.
    assert response.status_code in (200, 400, 403), (url_name, params, response.status_code)
    assert_no_echo(response)
    assert db_state() == before
    exported = response.status_code == 200 and "html" not in response.get("Content-Type", "")
    event(f"{response.status_code} {'export' if exported else 'page'}")
    assert AccessLog.objects.count() == entries + (1 if exported else 0), (url_name, params)


@pytest.mark.parametrize(
    ("url_name", "param"),
    [
        ("households:list", "q"),
        ("distribution:new", "household"),
        ("distribution:household_picker", "household"),
        ("distribution:household_picker", "household_query"),
        ("distribution:check", "household"),
        ("distribution:check", "package"),
    ],
)
@pytest.mark.parametrize("value", DIGIT_LIKE)
def test_digit_like_characters_in_number_params(client, portal, url_name, param, value):
    """Characters that str.isdigit() accepts but int() refuses must not crash a page."""
    client.force_login(portal.staff["worker"].user)
    client.raise_request_exception = False
    assert client.get(reverse(url_name), {param: value}).status_code == 200


@pytest.mark.parametrize("value", [*DIGIT_LIKE, "9" * 5000])
def test_unreadable_household_number_in_distribution_post(client, portal, db_state, value):
    client.force_login(portal.staff["worker"].user)
    client.raise_request_exception = False
    post = {"household": value, "package": portal.package.pk, "quantity": 1}
    post["token"] = form_token(client)
    before = db_state()
    response = client.post(reverse("distribution:new"), post)
    assert response.status_code == 200
    assert db_state() == before


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_overlong_username_at_login(client, portal, url_name):
    client.raise_request_exception = False
    response = client.post(reverse(url_name), {"username": "x" * 300, "password": "nope"})
    assert response.status_code == 200
