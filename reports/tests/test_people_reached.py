"""People reached in the monthly summary: the figures equal a computation in plain Python
from the log, the households and their members; the page and the exports show them."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from distribution.models import DistributionLog
from distribution.tests.factories import DistributionLogFactory
from households.models import Household, HouseholdMember
from households.services import save_member
from households.tests.factories import HouseholdFactory
from inventory.tests.factories import AidPackageFactory
from reports import people, selectors

from .factories import at, build_dataset

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = (datetime.date(2025, month, 1) for month in (1, 2, 3))
Status = DistributionLog.Status

SEXES = {"female": "female", "male": "male", "other": "other", "unknown": "other"}
HXL_PEOPLE = [
    "#reached+ind+total",
    "#reached+ind+f+infants+age0_4",
    "#reached+ind+f+children+age5_17",
    "#reached+ind+f+adults+age18_59",
    "#reached+ind+f+elderly+age60plus",
    "#reached+ind+f+age_unknown",
    "#reached+ind+m+infants+age0_4",
    "#reached+ind+m+children+age5_17",
    "#reached+ind+m+adults+age18_59",
    "#reached+ind+m+elderly+age60plus",
    "#reached+ind+m+age_unknown",
    "#reached+ind+sex_other_unknown+infants+age0_4",
    "#reached+ind+sex_other_unknown+children+age5_17",
    "#reached+ind+sex_other_unknown+adults+age18_59",
    "#reached+ind+sex_other_unknown+elderly+age60plus",
    "#reached+ind+sex_other_unknown+age_unknown",
    "#reached+ind+not_disaggregated",
]
PEOPLE_HEADER = [
    "People reached",
    *(
        f"{sex}, {age}"
        for sex in ("Female", "Male", "Other or unknown sex")
        for age in ("0-4", "5-17", "18-59", "60+", "age unknown")
    ),
    "People not disaggregated",
]


def add_members(household, staff, members):
    for sex, born in members:
        save_member(
            member=HouseholdMember(
                household=household,
                full_name=f"Member {household.family_name}",
                sex=sex,
                date_of_birth=born,
                relationship_to_head="other_relative",
            ),
            staff=staff,
        )


@pytest.fixture
def dataset(center, other_center, worker):
    """The report log (several months, centers, categories, voids) and its households:
    three with members of every sex, some ages changing group between the months, and
    two without members (one with a family size of 6)."""
    data = build_dataset(center, other_center)
    h1, _, h3, h4, h5 = data.households
    add_members(
        h1,
        worker,
        [
            ("female", datetime.date(2020, 2, 1)),  # 4 on 31 January, 5 on 28 February
            ("male", datetime.date(1990, 5, 5)),
            ("other", None),
            ("unknown", datetime.date(1960, 3, 15)),
        ],
    )
    add_members(
        h3,
        worker,
        [
            ("female", datetime.date(1965, 1, 31)),  # 60 on 31 January
            ("male", datetime.date(1965, 2, 1)),  # 59 on 31 January, 60 on 28 February
            ("female", datetime.date(2007, 1, 31)),  # 18 on 31 January
            ("male", datetime.date(2007, 2, 1)),  # 17 on 31 January, 18 on 28 February
            ("unknown", None),
        ],
    )
    add_members(
        h5,
        worker,
        [("male", datetime.date(2025, 3, 10)), ("female", datetime.date(2025, 6, 1))],
    )
    Household.objects.filter(pk=h4.pk).update(family_size=6)
    return data


# --- The figures, computed independently ---------------------------------------------


def month_end(month):
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def age_on(day, born):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_group(day, born):
    if born is None:
        return "unknown"
    age = age_on(day, born)
    return "0_4" if age < 5 else "5_17" if age < 18 else "18_59" if age < 60 else "60"


def people_of(households, day):
    """(people, not disaggregated, {cell: members}) of `households` with ages on `day`."""
    sizes = dict(Household.objects.filter(pk__in=households).values_list("pk", "family_size"))
    members = list(HouseholdMember.objects.filter(household_id__in=households))
    with_members = {member.household_id for member in members}
    counts = dict.fromkeys(people.CELLS, 0)
    for member in members:
        counts[f"{SEXES[member.sex]}_{age_group(day, member.date_of_birth)}"] += 1
    not_disaggregated = sum(size for pk, size in sizes.items() if pk not in with_members)
    return sum(sizes.values()), not_disaggregated, counts


def expected_people(*, month_from, month_to, center=None, category=None):
    """({(month, center_id, category): figures}, {month: figures}, overall figures) from
    the served log rows (successes without a void), in Python."""
    logs = list(DistributionLog.objects.select_related("package"))
    voided = {log.voided_log_id for log in logs if log.transaction_status == Status.CANCELLED}
    groups, months, overall = {}, {}, set()
    for log in logs:
        if log.transaction_status != Status.SUCCESS or log.pk in voided:
            continue
        month = log.distribution_date.astimezone(datetime.UTC).date().replace(day=1)
        if not month_from <= month <= month_to:
            continue
        if center is not None and log.center_id != center.pk:
            continue
        if category is not None and log.package.category != category:
            continue
        groups.setdefault((month, log.center_id, log.package.category), set()).add(log.household_id)
        months.setdefault(month, set()).add(log.household_id)
        overall.add(log.household_id)
    return (
        {key: people_of(households, month_end(key[0])) for key, households in groups.items()},
        {month: people_of(households, month_end(month)) for month, households in months.items()},
        people_of(overall, month_end(month_to)),
    )


def figures(row):
    return (row.people.total, row.people.not_disaggregated, row.people.counts)


def report_people(report):
    return (
        {(row.month, row.center_id, row.category): figures(row) for row in report.rows},
        {month: figures(total) for month, total in report.month_totals.items()},
        figures(report.overall),
    )


FILTERS = [
    {"month_from": JAN, "month_to": JAN},
    {"month_from": FEB, "month_to": FEB},
    {"month_from": JAN, "month_to": MAR},
    {"month_from": FEB, "month_to": MAR},
    {"month_from": JAN, "month_to": MAR, "category": "food"},
    {"month_from": JAN, "month_to": MAR, "category": "hygiene"},
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("scope", ["all", "center", "other_center"])
def test_people_equal_a_computation_from_the_log_and_the_members(dataset, filters, scope):
    center = {"all": None, "center": dataset.centers[0], "other_center": dataset.centers[1]}[scope]
    report = selectors.monthly_summary(
        **filters, center=center, with_people=True, disaggregate_rows=True
    )
    assert report_people(report) == expected_people(**filters, center=center)


def test_the_dataset_exercises_every_rule(dataset):
    """Hand-checked figures, so that the computation the tests compare with is right."""
    groups, months, overall = expected_people(month_from=JAN, month_to=MAR)
    # Everyone once over the range, though h1 and h3 were served in two months:
    # h1 4 + h2 4 + h3 5 + h4 6 + h5 2 members or family size.
    assert overall[0] == 21
    assert overall[1] == 4 + 6  # h2 and h4 have no members
    assert overall[0] < sum(month[0] for month in months.values())
    # h1's daughter is 0-4 in January's rows and 5-17 in February's.
    january = groups[JAN, dataset.centers[0].pk, "food"]
    february = groups[FEB, dataset.centers[0].pk, "food"]
    assert january[2]["female_0_4"] == 1
    assert february[2]["female_0_4"] == 0
    assert february[2]["female_5_17"] == 1
    # h2's voided hygiene kit left no January hygiene row at the center.
    assert (JAN, dataset.centers[0].pk, "hygiene") not in groups
    # Members born after the reference day count as 0-4.
    assert overall[2]["female_0_4"] == 1
    assert overall[2]["male_0_4"] == 1


def test_breakdown_and_not_disaggregated_add_up_to_people_reached(dataset):
    report = selectors.monthly_summary(
        month_from=JAN, month_to=MAR, with_people=True, disaggregate_rows=True
    )
    for row in [*report.rows, *report.month_totals.values(), report.overall]:
        assert row.people.disaggregated + row.people.not_disaggregated == row.people.total
        assert row.people.total > 0


def test_the_page_reads_no_people_and_its_fragment_the_range_only(dataset):
    """The page's table reads only the rollups; its people fragment reads the range's
    breakdown, the same as the exports' overall row."""
    report = selectors.monthly_summary(month_from=JAN, month_to=MAR)
    exported = selectors.monthly_summary(
        month_from=JAN, month_to=MAR, with_people=True, disaggregate_rows=True
    )
    assert all(row.people.total == 0 for row in report.table())
    assert any(row.people.total for row in exported.table())
    fragment = selectors.monthly_people(month_from=JAN, month_to=MAR)
    assert fragment == exported.overall.people
    assert fragment.age_on == datetime.date(2025, 3, 31)


def test_an_empty_range_has_no_people(dataset):
    people = selectors.monthly_people(
        month_from=datetime.date(2030, 1, 1), month_to=datetime.date(2030, 2, 1)
    )
    assert people.total == 0
    assert people.disaggregated == 0


# --- Age groups at their boundaries ---------------------------------------------------

# Born on ... : (age group on 31 January 2025, age group on 31 March 2025).
BOUNDARIES = {
    datetime.date(2020, 1, 31): ("5_17", "5_17"),  # 5 on 31 January
    datetime.date(2020, 2, 1): ("0_4", "5_17"),  # 4 on 31 January
    datetime.date(2020, 3, 31): ("0_4", "5_17"),  # 5 on 31 March
    datetime.date(2020, 4, 1): ("0_4", "0_4"),
    datetime.date(2007, 1, 31): ("18_59", "18_59"),
    datetime.date(2007, 2, 1): ("5_17", "18_59"),
    datetime.date(1965, 1, 31): ("60", "60"),
    datetime.date(1965, 2, 1): ("18_59", "60"),
    datetime.date(1965, 4, 1): ("18_59", "18_59"),
}


@pytest.fixture
def one_household(center, worker):
    """A household served in January and March 2025, one member per date of birth."""
    household = HouseholdFactory()
    add_members(household, worker, [("female", born) for born in BOUNDARIES])
    food = AidPackageFactory(category="food")
    for day in ("2025-01-15", "2025-03-15"):
        DistributionLogFactory(
            household=household, package=food, center=center, staff=None, distribution_date=at(day)
        )
    return household


def members_by_age(report_people):
    return {
        key.removeprefix("female_"): count
        for key, count in report_people.counts.items()
        if key.startswith("female_") and count
    }


def expected_groups(position):
    groups = {}
    for ages in BOUNDARIES.values():
        groups[ages[position]] = groups.get(ages[position], 0) + 1
    return groups


def test_age_groups_on_the_last_day_of_the_month_served(one_household):
    report = selectors.monthly_summary(
        month_from=JAN, month_to=MAR, with_people=True, disaggregate_rows=True
    )
    assert members_by_age(report.month_totals[JAN].people) == expected_groups(0)
    assert members_by_age(report.month_totals[MAR].people) == expected_groups(1)
    (january,) = [row for row in report.rows if row.month == JAN]
    assert members_by_age(january.people) == expected_groups(0)


def test_age_groups_of_a_range_on_the_last_day_of_the_range(one_household):
    range_people = selectors.monthly_people(month_from=JAN, month_to=MAR)
    assert range_people.age_on == datetime.date(2025, 3, 31)
    assert members_by_age(range_people) == expected_groups(1)
    january = selectors.monthly_people(month_from=JAN, month_to=JAN)
    assert members_by_age(january) == expected_groups(0)


def test_a_29_february_birthday_comes_on_1_march_in_common_years():
    assert people.years_before(datetime.date(2025, 2, 28), 5) == datetime.date(2020, 2, 28)
    assert people.years_before(datetime.date(2024, 2, 29), 5) == datetime.date(2019, 2, 28)
    limits = people.born_after(datetime.date(2025, 2, 28))
    assert datetime.date(2020, 2, 29) > limits["0_4"]  # still 4 on 28 February 2025


# --- The page and the exports --------------------------------------------------------

MONTHS = {"month_from": "2025-01", "month_to": "2025-03"}


def get(client, staff, **params):
    client.force_login(staff.user)
    return client.get(reverse("reports:monthly"), {**MONTHS, **params})


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def cells(html, row_id):
    row = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", row)
    ]


def test_the_page_loads_the_breakdown_of_the_range_as_a_fragment(client, admin_staff, dataset):
    page = get(client, admin_staff).content.decode()
    fragment_url = f"{reverse('reports:monthly_people')}?month_from=2025-01&amp;month_to=2025-03"
    assert f'hx-get="{fragment_url}"' in page
    assert 'id="people-table"' not in page  # the table shows without waiting for it

    client.force_login(admin_staff.user)
    html = client.get(reverse("reports:monthly_people"), MONTHS).content.decode()
    _, _, (total, not_disaggregated, counts) = expected_people(month_from=JAN, month_to=MAR)
    assert re.search(rf'<strong id="people-total">{total}</strong>', html)
    assert "<caption" in html.split('id="people-table"')[1].split("</table>")[0]
    female = [counts[f"female_{age.key}"] for age in people.ALL_AGE_GROUPS]
    assert cells(html, "people-total-row")[0] == "People reached"
    assert cells(html, "people-total-row")[-1] == str(total)
    body = html.split('id="people-table"')[1]
    assert re.search(
        r'<th scope="row">Female</th>'
        + "".join(rf'<td class="text-end" data-label="[^"]+">{count}</td>' for count in female)
        + rf'<td class="text-end" data-label="Total">{sum(female)}</td>',
        body,
    )
    assert cells(html, "people-not-disaggregated")[0] == "Not disaggregated"
    assert cells(html, "people-not-disaggregated")[-1] == str(not_disaggregated)


def test_the_fragment_keeps_a_manager_to_their_center(client, manager, dataset):
    client.force_login(manager.user)
    html = client.get(reverse("reports:monthly_people"), MONTHS).content.decode()
    expected = selectors.monthly_people(month_from=JAN, month_to=MAR, center=manager.center)
    assert f'<strong id="people-total">{expected.total}</strong>' in html
    bad = client.get(reverse("reports:monthly_people"), {"month_from": "nope"})
    assert bad.status_code == 200
    assert 'id="people-table"' not in bad.content.decode()


def test_csv_and_hxl_exports_carry_people_and_their_breakdown(client, admin_staff, dataset):
    groups, _, _ = expected_people(month_from=JAN, month_to=MAR)
    rows = read_csv(get(client, admin_staff, format="hxl"))
    first = rows[0].index("People reached")
    assert rows[0][first:] == PEOPLE_HEADER
    assert rows[1][first:] == HXL_PEOPLE
    assert rows[1][:first] == [
        "#date",
        "#loc+code",
        "#loc+name",
        "#sector",
        "#output+distributions+num",
        "#reached+hh",
        "#output+packages+num",
        "#value",
    ]
    exported = {
        (datetime.date.fromisoformat(f"{row[0]}-01"), int(row[1]), row[3]): [
            int(value) for value in row[first:]
        ]
        for row in rows[2:]
    }
    assert exported == {
        key: [total, *counts.values(), not_disaggregated]
        for key, (total, not_disaggregated, counts) in groups.items()
    }
    assert list(people.CELLS) == [
        f"{sex}_{age}"
        for sex in ("female", "male", "other")
        for age in ("0_4", "5_17", "18_59", "60", "unknown")
    ]
    csv_rows = read_csv(get(client, admin_staff, format="csv"))
    assert csv_rows[0] == rows[0]
    assert csv_rows[1:] == rows[2:]


def test_xlsx_totals_carry_people_of_each_month_and_of_the_range(client, admin_staff, dataset):
    _, months, overall = expected_people(month_from=JAN, month_to=MAR)
    workbook = load_workbook(io.BytesIO(get(client, admin_staff, format="xlsx").content))
    header, *totals = list(workbook["Totals"].iter_rows(values_only=True))
    first = header.index("People reached")
    assert list(header[first:]) == PEOPLE_HEADER
    figures = [list(row[first:]) for row in totals]
    expected = [
        [total, *counts.values(), not_disaggregated]
        for total, not_disaggregated, counts in [*(months[m] for m in (JAN, FEB, MAR)), overall]
    ]
    assert figures == expected
    sheet_header = next(workbook["Monthly summary"].iter_rows(values_only=True))
    assert list(sheet_header[sheet_header.index("People reached") :]) == PEOPLE_HEADER
