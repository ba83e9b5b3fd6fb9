"""The owed-items report: open owed items per center and package, counts only.

Open (distribution.selectors.open_owed_items): not lapsed, the creating success not
voided, and not yet handed out in full by served successes under it. The figures
are checked against a hand-built set of owed items in every state; the scoping,
exports and read-only checks are the other reports' (test_views, test_read_only).
"""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessLog
from centers.models import StaffMember
from centers.tests.factories import StaffMemberFactory
from distribution.models import DistributionLog, OwedItem
from distribution.selectors import open_owed_items, owed_items
from distribution.services import serve_household, void_distribution
from distribution.tests.factories import DistributionLogFactory
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from reports.selectors import owed_report

from .test_read_only import figures, read_only_connection

pytestmark = pytest.mark.django_db

Status = DistributionLog.Status
HEADER = [
    "Center ID",
    "Center",
    "Package ID",
    "Package",
    "Category",
    "Households owed",
    "Units still owed",
    "Earliest expiry",
]
HXL_TAGS = [
    "#loc+code",
    "#loc+name",
    "#item+code",
    "#item+name",
    "#sector",
    "#targeted+hh+owed",
    "#item+owed+num",
    "#date+expiry",
]


def midnight(days):
    """Midnight UTC `days` days from today (owed items lapse at a UTC midnight)."""
    today = datetime.datetime.now(datetime.UTC).date()
    return datetime.datetime.combine(
        today + datetime.timedelta(days=days), datetime.time.min, tzinfo=datetime.UTC
    )


def owe(household, package, where, quantity, expires_at):
    """An owed item and the partial success that created it, written as raw rows."""
    log = DistributionLogFactory(household=household, package=package, center=where, staff=None)
    return OwedItem.objects.create(
        household=household,
        package=package,
        center=where,
        log=log,
        quantity_owed=quantity,
        expires_at=expires_at,
    )


def fulfil(owed, quantity, where=None):
    """A success handing out `quantity` of what `owed` owes (at `where`, default its center)."""
    return DistributionLogFactory(
        household=owed.household,
        package=owed.package,
        center=where or owed.center,
        staff=None,
        quantity_distributed=quantity,
        owed_item=owed,
    )


def void(log):
    return DistributionLogFactory(
        household=log.household,
        package=log.package,
        center=log.center,
        staff=None,
        quantity_distributed=log.quantity_distributed,
        transaction_status=Status.CANCELLED,
        voided_log=log,
        notes="Recorded in error",
    )


@pytest.fixture
def owed(center, other_center):
    """Owed items in every state, at two centers; `open` maps what stays open to its units."""
    food = AidPackageFactory(package_name="Food basket", category="food")
    hygiene = AidPackageFactory(package_name="Hygiene kit", category="hygiene")
    shelter = AidPackageFactory(package_name="Shelter kit", category="shelter")
    households = [
        HouseholdFactory(
            family_name=name,
            primary_contact_name=f"Ana {name}",
            phone_number=f"+1 312 555 01{index:02d}",
        )
        for index, name in enumerate(
            ("Okafor", "Nguyen", "Haddad", "Silva", "Mensah", "Lindqvist", "Moreau")
        )
    ]
    h1, h2, h3, h4, h5, h6, h7 = households

    open_food = owe(h1, food, center, 3, midnight(3))
    partly = owe(h2, food, center, 4, midnight(10))
    fulfil(partly, 1)
    void(fulfil(partly, 2))  # a voided hand-out gives nothing: still owed
    fulfilled = owe(h3, food, center, 2, midnight(1))  # would be the earliest, were it open
    fulfil(fulfilled, 1)
    fulfil(fulfilled, 1, where=other_center)
    lapsed = owe(h4, food, center, 5, midnight(0) - datetime.timedelta(seconds=1))
    voided = owe(h5, food, center, 2, midnight(2))
    void(voided.log)
    open_hygiene = owe(h1, hygiene, center, 1, midnight(10))
    elsewhere = owe(h6, food, other_center, 2, midnight(4))
    fulfil(elsewhere, 1, where=center)  # served at another center: still this center's
    open_shelter = owe(h7, shelter, other_center, 6, midnight(10))
    return {
        "packages": {"food": food, "hygiene": hygiene, "shelter": shelter},
        "households": households,
        "open": {
            open_food.pk: 3,
            partly.pk: 3,
            open_hygiene.pk: 1,
            elsewhere.pk: 1,
            open_shelter.pk: 6,
        },
        "closed": [fulfilled.pk, lapsed.pk, voided.pk],
    }


def get(client, staff, **params):
    client.force_login(staff.user)
    return client.get(reverse("reports:owed"), params)


def as_tuples(rows):
    return [
        (row.center_id, row.package_name, row.households, row.units, row.earliest_expiry)
        for row in rows
    ]


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def day(days):
    return midnight(days).date()


# --- One definition of open -------------------------------------------------------------


def test_open_owed_items_are_the_open_ones_with_what_is_still_owed(owed):
    items = {item.pk: item.quantity for item in open_owed_items()}
    assert items == owed["open"]


def test_an_owed_item_lapses_at_its_expiry(owed):
    item = OwedItem.objects.get(pk=next(iter(owed["open"])))
    just_before = item.expires_at - datetime.timedelta(seconds=1)
    assert item.pk in {i.pk for i in open_owed_items(now=just_before)}
    assert item.pk not in {i.pk for i in open_owed_items(now=item.expires_at)}


def test_owed_items_of_a_household_keep_their_contract(owed):
    h1 = owed["households"][0]
    items = owed_items(h1)
    assert [(item.package.package_name, item.quantity) for item in items] == [
        ("Food basket", 3),
        ("Hygiene kit", 1),
    ]
    assert owed_items(owed["households"][2]) == []  # fulfilled
    assert owed_items(owed["households"][3]) == []  # lapsed
    assert owed_items(owed["households"][4]) == []  # voided


# --- Figures ----------------------------------------------------------------------------


def test_admin_sees_every_center_the_first_to_lapse_first(
    client, admin_staff, owed, center, other_center
):
    response = get(client, admin_staff)
    assert response.status_code == 200
    report = response.context["report"]
    assert as_tuples(report.rows) == [
        (center.pk, "Food basket", 2, 6, day(3)),
        (other_center.pk, "Food basket", 1, 1, day(4)),
        (other_center.pk, "Shelter kit", 1, 6, day(10)),  # Hillcrest before Riverside
        (center.pk, "Hygiene kit", 1, 1, day(10)),
    ]
    assert (report.households, report.units) == (4, 14)
    html = response.content.decode()
    assert 'id="owed-report"' in html
    assert 'style="' not in html  # the Content-Security-Policy allows no inline styles


def test_admin_narrows_to_one_center_and_one_category(client, admin_staff, owed, other_center):
    report = get(client, admin_staff, center=other_center.pk).context["report"]
    assert as_tuples(report.rows) == [
        (other_center.pk, "Food basket", 1, 1, day(4)),
        (other_center.pk, "Shelter kit", 1, 6, day(10)),
    ]
    assert (report.households, report.units) == (2, 7)
    food = get(client, admin_staff, category="food").context["report"]
    assert {row.package_name for row in food.rows} == {"Food basket"}
    assert len(food.rows) == 2
    nothing = get(client, admin_staff, center=other_center.pk, category="hygiene")
    assert nothing.context["report"].rows == []
    assert "Nothing is owed" in nothing.content.decode()


def test_the_selector_reads_the_centers_and_packages_it_is_given(owed, center):
    from centers.models import DistributionCenter
    from inventory.models import AidPackage

    report = owed_report(
        centers=DistributionCenter.objects.filter(pk=center.pk),
        packages=AidPackage.objects.filter(category="hygiene"),
    )
    assert as_tuples(report.rows) == [(center.pk, "Hygiene kit", 1, 1, day(10))]
    later = owed_report(
        centers=DistributionCenter.objects.all(),
        packages=AidPackage.objects.all(),
        now=midnight(5),
    )
    assert [(row.center_name, row.package_name, row.units) for row in later.rows] == [
        ("Hillcrest", "Shelter kit", 6),  # all lapse the same day: by center, then package
        ("Riverside", "Food basket", 3),  # only the partly fulfilled one is left there
        ("Riverside", "Hygiene kit", 1),
    ]


def test_the_services_owed_items_show_and_leave_the_report(
    client, center, other_center, worker, manager, admin_staff
):
    """A short hand-out owes the rest; handing it out elsewhere, or a void, clears it."""
    package = AidPackageFactory(units_per_household=5, validity_period_days=30)
    restock(center=center, package=package, quantity=2, staff=admin_staff)
    restock(center=other_center, package=package, quantity=10, staff=admin_staff)
    household, other = HouseholdFactory(), HouseholdFactory()
    serve_household(household=household, center=center, staff=worker, lines=[(package, None)])
    (item,) = owed_items(household)

    report = get(client, manager).context["report"]
    assert as_tuples(report.rows) == [
        (center.pk, package.package_name, 1, 3, item.expires_at.astimezone(datetime.UTC).date())
    ]

    other_worker = StaffMemberFactory(role=StaffMember.Role.WORKER, center=other_center)
    serve_household(
        household=household, center=other_center, staff=other_worker, lines=[(package, None)]
    )
    assert get(client, manager).context["report"].rows == []

    visit = serve_household(household=other, center=center, staff=worker, lines=[(package, 5)])
    assert visit.logs[0].transaction_status == Status.FAILED  # explicit quantities owe nothing
    restock(center=center, package=package, quantity=1, staff=admin_staff)
    short = serve_household(household=other, center=center, staff=worker, lines=[(package, None)])
    assert get(client, manager).context["report"].units == 4
    void_distribution(log=short.logs[0], staff=manager, reason="wrong household")
    assert get(client, manager).context["report"].rows == []


# --- Scope ------------------------------------------------------------------------------


def test_a_manager_sees_only_their_center(client, manager, owed, center):
    report = get(client, manager).context["report"]
    assert as_tuples(report.rows) == [
        (center.pk, "Food basket", 2, 6, day(3)),
        (center.pk, "Hygiene kit", 1, 1, day(10)),
    ]
    assert (report.households, report.units) == (2, 7)
    assert get(client, manager, center=center.pk).status_code == 200
    rows = read_csv(get(client, manager, format="csv"))
    assert {row[0] for row in rows[1:]} == {str(center.pk)}


def test_another_centers_manager_sees_none_of_its_rows(client, other_manager, owed, center):
    response = get(client, other_manager)
    assert {row.center_id for row in response.context["report"].rows} == {other_manager.center_id}
    assert center.center_name not in response.content.decode().split('id="owed-report"')[1]


@pytest.mark.parametrize("export_format", [None, "csv", "xlsx", "hxl"])
def test_a_manager_cannot_ask_for_another_center(
    client, manager, owed, other_center, export_format
):
    params = {"center": other_center.pk}
    if export_format:
        params["format"] = export_format
    assert get(client, manager, **params).status_code == 403
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("role", ["volunteer", "worker"])
def test_volunteers_and_workers_are_refused(client, request, owed, role):
    staff = request.getfixturevalue(role)
    assert get(client, staff).status_code == 403
    assert get(client, staff, format="csv").status_code == 403
    assert not AccessLog.objects.exists()


def test_the_report_index_links_to_it(client, manager):
    html = get(client, manager).content.decode()
    assert "Owed items" in html
    client.force_login(manager.user)
    index = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:owed") in index


# --- Exports ----------------------------------------------------------------------------


def test_csv_and_hxl_have_the_header_tags_and_rows(client, admin_staff, owed, center):
    rows = read_csv(get(client, admin_staff, format="csv", category="food"))
    food = owed["packages"]["food"]
    assert rows[0] == HEADER
    assert rows[1] == [
        str(center.pk),
        center.center_name,
        str(food.pk),
        "Food basket",
        "food",
        "2",
        "6",
        day(3).isoformat(),
    ]
    assert len(rows) == 3
    hxl = read_csv(get(client, admin_staff, format="hxl"))
    assert hxl[0] == HEADER
    assert hxl[1] == HXL_TAGS
    assert len(hxl) == 2 + 4


def test_xlsx_has_the_same_rows(client, admin_staff, owed):
    response = get(client, admin_staff, format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Owed items"]
    rows = list(workbook["Owed items"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [row[5:7] for row in rows[1:]] == [(2, 6), (1, 1), (1, 6), (1, 1)]


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "hxl"])
def test_exports_carry_no_personal_data(client, admin_staff, owed, export_format):
    response = get(client, admin_staff, format=export_format)
    assert response.status_code == 200
    if export_format == "xlsx":
        workbook = load_workbook(io.BytesIO(response.content), read_only=True)
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        header = cells[: len(HEADER)]
        text = "\n".join(cells)
    else:
        header = read_csv(response)[0]
        text = response.content.decode()
    assert header == HEADER  # no household column of any kind
    for household in owed["households"]:
        for personal in (
            household.family_name,
            household.primary_contact_name,
            household.phone_number,
            household.address,
        ):
            assert personal not in text


def test_an_export_is_recorded_in_the_access_log(client, manager, owed, center):
    client.force_login(manager.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reports:owed"), {"format": "xlsx", "category": "food"})
    assert response.status_code == 200
    writes = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(writes) == 1, writes
    assert "Access_Log" in writes[0]
    (entry,) = AccessLog.objects.all()
    assert (entry.action, entry.target, entry.export_format) == ("export", "owed", "xlsx")
    assert entry.staff == manager
    assert entry.params == {"category": "food", "center": center.pk}
    assert entry.row_count == 1


def test_viewing_the_page_writes_nothing(client, admin_staff, owed):
    client.force_login(admin_staff.user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("reports:owed")).status_code == 200
    writes = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert writes == []
    assert not AccessLog.objects.exists()


# --- Read-only connection ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_page_renders_on_a_read_only_connection(client, manager, admin_staff, owed):
    for staff in (manager, admin_staff):
        expected = figures(get(client, staff))  # signs in: the session is written here
        assert expected
        with read_only_connection():
            response = client.get(reverse("reports:owed"))
        assert response.status_code == 200
        assert figures(response) == expected
