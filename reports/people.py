"""People reached by the monthly summary, and their breakdown by sex and age group.

A row's or total's people are the sum of `family_size` over its distinct households
(served net of voids, as Distribution_Household_Months holds them), read with the
households' *current* family sizes and members: correcting a household later changes
the past figures too. Members, where a household has any, are counted by sex and age
group; the family sizes of households without members are "not disaggregated". The
households service keeps a household's family size equal to its number of members,
so breakdown + not disaggregated = people reached.

Age is the age in whole years on the reference day: the last day of the month for a
month's row or total, the last day of the range's last month for a range total. A
member born after that day (recorded later) counts as 0-4; one born on 29 February
turns a year older on 1 March in common years; no date of birth: "age unknown".

The rows' figures join the household months of the range with Households (and, for
the breakdown, Household_Members): the cost grows with the households served in the
range, unlike the other figures of the summary, which read counters.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from households.models import Household, HouseholdMember

from .models import ALL_CATEGORIES, ALL_CENTERS, HouseholdMonth


@dataclass(frozen=True)
class SexGroup:
    key: str
    label: str
    sexes: tuple  # HouseholdMember.sex values
    hxl: str  # HXL attributes


@dataclass(frozen=True)
class AgeGroup:
    key: str
    label: str
    below: int | None  # younger than this many years (None: no upper bound)
    hxl: str
    in_header: str = ""  # the label after the sex in a column header, if not `label`

    @property
    def header_label(self):
        return self.in_header or self.label

    @property
    def in_years(self):
        """A range of years ("0-4", "60+"), which stays left to right in any language."""
        return self != AGE_UNKNOWN

    @property
    def attribute_label(self):
        """The label as an attribute's text (a phone's card label): a range of years
        between Unicode isolates, since no <bdi> fits in an attribute."""
        return f"\u2066{self.label}\u2069" if self.in_years else self.label


SEX_GROUPS = (
    SexGroup("female", _("Female"), ("female",), "+f"),
    SexGroup("male", _("Male"), ("male",), "+m"),
    SexGroup("other", _("Other or unknown sex"), ("other", "unknown"), "+sex_other_unknown"),
)
AGE_GROUPS = (
    AgeGroup("0_4", "0-4", 5, "+infants+age0_4"),
    AgeGroup("5_17", "5-17", 18, "+children+age5_17"),
    AgeGroup("18_59", "18-59", 60, "+adults+age18_59"),
    AgeGroup("60", "60+", None, "+elderly+age60plus"),
)
AGE_UNKNOWN = AgeGroup("unknown", _("Age unknown"), None, "+age_unknown", _("age unknown"))
ALL_AGE_GROUPS = (*AGE_GROUPS, AGE_UNKNOWN)
SEX_GROUP_OF = {sex: group.key for group in SEX_GROUPS for sex in group.sexes}
CELLS = tuple(f"{sex.key}_{age.key}" for sex in SEX_GROUPS for age in ALL_AGE_GROUPS)
NO_MEMBERS = "none"  # the age group of a household without members, in the row query


def years_before(day, years):
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def month_end(month):
    """The last day of the month that starts on `month`."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def born_after(day):
    """{age group key: the date after which a member is younger than its bound on `day`}."""
    return {age.key: years_before(day, age.below) for age in AGE_GROUPS if age.below}


@dataclass
class PeopleReached:
    """The people of one row or total of the monthly summary.

    `total`: the family sizes of its distinct households; `not_disaggregated`: those of
    the households without members; `counts` ({"female_0_4": members, ...}, one key per
    sex group x age group, see CELLS) is None where the breakdown was not read. Ages
    are on `age_on`.
    """

    total: int = 0
    not_disaggregated: int = 0
    counts: dict | None = None
    age_on: datetime.date | None = None

    @property
    def disaggregated(self):
        return sum((self.counts or {}).values())

    def table(self):
        """[(sex group, [(age group, members)], row total)] for the page's table (each
        cell with its age group: a phone shows the cells as a card of labelled values)."""
        counts = self.counts or {}
        rows = []
        for sex in SEX_GROUPS:
            cells = [(age, counts.get(f"{sex.key}_{age.key}", 0)) for age in ALL_AGE_GROUPS]
            rows.append((sex, cells, sum(count for _age, count in cells)))
        return rows

    def age_totals(self):
        """[(age group, members)], all sexes (not disaggregated people are in no group)."""
        counts = self.counts or {}
        return [
            (age, sum(counts.get(f"{sex.key}_{age.key}", 0) for sex in SEX_GROUPS))
            for age in ALL_AGE_GROUPS
        ]


# Rows and month totals --------------------------------------------------------------


def _as_date(value):
    """A DATE read by a raw cursor: a date on MySQL/MariaDB, ISO text on SQLite."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _row_scopes(scope, groups):
    """SQL and parameters selecting the household months of the rows and month totals.

    `scope` is the month totals' (center_id, category), ALL_CENTERS and ALL_CATEGORIES
    included; `groups` the rows' (center_id, category), None meaning each center (each
    category) on its own.
    """
    center, category = groups
    rows = "hm.center_id = %s" if center is not None else "hm.center_id <> %s"
    rows += " AND hm.category = %s" if category is not None else " AND hm.category <> %s"
    return f"(({rows}) OR (hm.center_id = %s AND hm.category = %s))", [
        ALL_CENTERS if center is None else center,
        ALL_CATEGORIES if category is None else category,
        *scope,
    ]


def _tables():
    return {
        "months": HouseholdMonth._meta.db_table,
        "households": Household._meta.db_table,
        "household_pk": Household._meta.pk.column,
        "members": HouseholdMember._meta.db_table,
        "member_pk": HouseholdMember._meta.pk.column,
    }


def _execute(sql, params):
    """Run `sql` where the report's ORM reads go (the replica inside its block)."""
    connection = connections[router.db_for_read(HouseholdMonth)]
    adapt = connection.ops.adapt_datefield_value
    params = [adapt(p) if isinstance(p, datetime.date) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def row_people(*, month_from, month_to, scope, groups):
    """{(month, center_id, category): people} for the rows and month totals, one query."""
    where, params = _row_scopes(scope, groups)
    sql = """
        SELECT hm.month, hm.center_id, hm.category, SUM(h.family_size)
          FROM {months} hm
          JOIN {households} h ON h.{household_pk} = hm.household_id
         WHERE hm.month >= %s AND hm.month <= %s AND {where}
         GROUP BY hm.month, hm.center_id, hm.category""".format(where=where, **_tables())
    return {
        (_as_date(month), center_id, category): int(people)
        for month, center_id, category, people in _execute(sql, [month_from, month_to, *params])
    }


def row_breakdown(*, month_from, month_to, scope, groups, months):
    """{(month, center_id, category): (not disaggregated, counts)} for the rows and
    month totals, one query: each member's age group on the last day of its row's month.

    The age group is a CASE over the months of the range, with the bounds computed
    here: SQL that both databases run alike, with no date arithmetic in SQL.
    """
    where, params = _row_scopes(scope, groups)
    by_month, bounds = [], []
    for month in months:
        limits = born_after(month_end(month))
        whens = " ".join(
            f"WHEN m.date_of_birth > %s THEN '{age.key}'" for age in AGE_GROUPS if age.below
        )
        by_month.append(f"WHEN hm.month = %s THEN CASE {whens} ELSE '{AGE_GROUPS[-1].key}' END")
        bounds += [month, *(limits[age.key] for age in AGE_GROUPS if age.below)]
    sql = """
        SELECT month, center_id, category, sex, age_group, COUNT(*), SUM(family_size)
          FROM (
            SELECT hm.month, hm.center_id, hm.category, h.family_size, m.sex,
                   CASE WHEN m.{member_pk} IS NULL THEN '{none}'
                        WHEN m.date_of_birth IS NULL THEN '{unknown}'
                        {by_month}
                   END AS age_group
              FROM {months} hm
              JOIN {households} h ON h.{household_pk} = hm.household_id
              LEFT JOIN {members} m ON m.household_id = hm.household_id
             WHERE hm.month >= %s AND hm.month <= %s AND {where}
          ) people
         GROUP BY month, center_id, category, sex, age_group""".format(
        none=NO_MEMBERS,
        unknown=AGE_UNKNOWN.key,
        by_month="\n                        ".join(by_month),
        where=where,
        **_tables(),
    )
    breakdown = {}
    for month, center_id, category, sex, age_group, members, sizes in _execute(
        sql, [*bounds, month_from, month_to, *params]
    ):
        key = (_as_date(month), center_id, category)
        not_disaggregated, counts = breakdown.setdefault(key, (0, dict.fromkeys(CELLS, 0)))
        if age_group == NO_MEMBERS:
            breakdown[key] = (not_disaggregated + int(sizes), counts)
        else:
            counts[f"{SEX_GROUP_OF[sex]}_{age_group}"] += members
    return breakdown


# The range total --------------------------------------------------------------------


def _age_filters(day):
    """{age group key: Q on HouseholdMember} for the ages on `day`."""
    limits = born_after(day)
    filters, older = {}, Q()
    for age in AGE_GROUPS:
        if age.below:
            filters[age.key] = older & Q(date_of_birth__gt=limits[age.key])
            older = Q(date_of_birth__lte=limits[age.key])
        else:
            filters[age.key] = older
    filters[AGE_UNKNOWN.key] = Q(date_of_birth__isnull=True)
    return filters


def range_people(*, month_from, month_to, scope):
    """PeopleReached of the distinct households served at `scope` from `month_from` to
    `month_to` (each once, however many months), ages on the range's last day.

    Two queries: the households' family sizes, and their members counted by sex and
    age group with conditional counts.
    """
    age_on = month_end(month_to)
    center_id, category = scope
    served = HouseholdMonth.objects.filter(
        center_id=center_id,
        category=category,
        month__gte=month_from,
        month__lte=month_to,
    ).values("household_id")
    has_members = Exists(HouseholdMember.objects.filter(household_id=OuterRef("pk")))
    sizes = Household.objects.filter(pk__in=served).aggregate(
        total=Sum("family_size"), not_disaggregated=Sum("family_size", filter=~Q(has_members))
    )
    ages = _age_filters(age_on)
    counts = HouseholdMember.objects.filter(household_id__in=served).aggregate(
        **{
            f"{sex.key}_{age.key}": Count("pk", filter=Q(sex__in=sex.sexes) & ages[age.key])
            for sex in SEX_GROUPS
            for age in ALL_AGE_GROUPS
        }
    )
    return PeopleReached(
        total=sizes["total"] or 0,
        not_disaggregated=sizes["not_disaggregated"] or 0,
        counts=counts,
        age_on=age_on,
    )


# The whole report -------------------------------------------------------------------


def add_people_reached(report, *, scope, groups, disaggregate_rows=False):
    """Fill `people` on the report's rows, month totals and overall row.

    Rows and month totals get their people (one query); the overall row also its
    breakdown (two queries). `disaggregate_rows` adds every row's and month total's
    breakdown (one more query, the exports' columns).
    """
    if not report.rows:
        report.overall.people = PeopleReached(
            counts=dict.fromkeys(CELLS, 0), age_on=month_end(report.month_to)
        )
        return report
    window = {"month_from": report.month_from, "month_to": report.month_to}
    people = row_people(**window, scope=scope, groups=groups)
    breakdown = (
        row_breakdown(**window, scope=scope, groups=groups, months=report.months)
        if disaggregate_rows
        else {}
    )
    totals = [(row, (row.month, row.center_id, row.category)) for row in report.rows]
    totals += [(total, (month, *scope)) for month, total in report.month_totals.items()]
    for row, key in totals:
        row.people = PeopleReached(total=people.get(key, 0), age_on=month_end(row.month))
        if disaggregate_rows:
            row.people.not_disaggregated, row.people.counts = breakdown.get(
                key, (0, dict.fromkeys(CELLS, 0))
            )
    report.overall.people = range_people(**window, scope=scope)
    return report
