"""Household search (households.selectors) finds what one plain ORM filter finds, in order.

The selector splits the search into one query per index (a deferred join, for speed
on a million households); the reference below is the single `OR` filter it replaced.
Both run on the same database, so they agree on its case rules and collation.
"""

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.params import parse_id
from households.models import Household
from households.phones import normalize_phone
from households.selectors import search_households
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def plain_search(query):
    """The reference: every household matching any branch, in one filter."""
    query = (query or "").strip()[:100]
    if not query:
        return Household.objects.order_by("family_name", "id")
    condition = Q(family_name__istartswith=query) | Q(primary_contact_name__istartswith=query)
    if (household_id := parse_id(query)) is not None:
        condition |= Q(pk=household_id)
    if sum(ch.isdigit() for ch in query) >= 7:
        with contextlib.suppress(ValidationError):
            condition |= Q(phone_number=normalize_phone(query))
    return Household.objects.filter(condition).order_by("family_name", "id")


@pytest.fixture
def registry():
    """Households whose names overlap across branches, tie on family name, or need escaping."""
    people = [
        ("Okafor", "Ngozi Okafor"),
        ("Okafor", "Chidi Okafor"),  # same family name: id breaks the tie
        ("okonkwo", "Ada Okonkwo"),  # stored in lower case
        ("Garcia", "Okafor Garcia"),  # found by "oka" through the contact name only
        ("Ökafor", "Emeka Ökafor"),  # "oka" on MariaDB (accent-insensitive), not on SQLite
        ("O'Brien", "Ana O'Brien"),
        ("Nguyen", "Nguyen Thi Lan"),  # family name first: both name branches find it
        ("Per%cent", "Pat Per%cent"),
        ("Under_score", "Uma Under_score"),
        ("Back\\slash", "Bo Back\\slash"),
        *((f"Mensah{n % 3 or ''}", f"Kofi Mensah {n}") for n in range(30)),  # over a page
        *((f"Asante {n}", f"Mensah Asante {n}") for n in range(4)),  # contact-name matches
    ]
    households = [
        HouseholdFactory(family_name=family, primary_contact_name=contact)
        for family, contact in people
    ]
    # A family name that starts with another household's number.
    numbered = households[0]
    HouseholdFactory(family_name=f"{numbered.pk}th Street", primary_contact_name="Sam Street")
    # A family name that starts with the household's own number: two branches find it.
    own = HouseholdFactory(family_name="Street", primary_contact_name="Sol Street")
    Household.objects.filter(pk=own.pk).update(family_name=f"{own.pk} Street")
    HouseholdFactory(
        family_name="Diallo",
        primary_contact_name="Awa Diallo",
        phone_number="+1 312 555 0134",  # outside the factory's 202 range
    )
    return numbered


def assert_same_as_plain(query):
    search, reference = search_households(query), plain_search(query)
    assert search.count() == reference.count()
    assert len(search) == reference.count()
    assert list(search) == list(reference)
    for start, stop in [(0, 25), (0, 8), (5, 12), (25, 50), (3, 3), (100, 125)]:
        assert search.order_by("family_name", "id")[start:stop] == list(reference[start:stop])
    return list(search)


@pytest.mark.parametrize(
    "query",
    [
        # name prefixes, mixed case, contact names
        "Oka", "oka", "OKAFOR", "oKaFoR", "okon", "Ngozi", "ngo", "Mensah", "mens",
        "MENSAH1", "Asante", "o", "O'B", "o'brien", "ngu", "Nguyen T",
        # phone numbers in any spelling
        "(312) 555-0134", "+13125550134", "312.555.0134", "1 312 555 0134",
        # empty and whitespace
        "", "   ",
        # garbage: wildcards, quotes, SQL, non-ASCII, digit-likes, too long
        "%", "_", "%%", "Per%", "Under_", "Under%", "\\", "Back\\", "'", '"', "`",
        "' OR 1=1 --", "'); DROP TABLE Households; --", "😀", "²³", "١٢٣٤٥٦٧",
        "#", "#0", "0", "-1", "1e5", "+", "a" * 150, "9" * 5000, "\t\n", "\x00",
        "Oka\x00", "ǅ", "ß",
    ],
)  # fmt: skip
def test_search_finds_what_a_plain_filter_finds(registry, query):
    assert_same_as_plain(query)


def test_name_prefix_matches_family_and_contact_names_in_any_case(registry):
    for query in ("oka", "OKA", "oKa"):
        found = {(h.family_name, h.primary_contact_name) for h in search_households(query)}
        assert {
            ("Okafor", "Ngozi Okafor"),
            ("Okafor", "Chidi Okafor"),
            ("Garcia", "Okafor Garcia"),
        } <= found
        assert ("okonkwo", "Ada Okonkwo") not in found


def test_search_by_number_and_phone(registry):
    street = Household.objects.get(family_name=f"{registry.pk}th Street")
    for query in (str(registry.pk), f"#{registry.pk}", f" {registry.pk} "):
        assert_same_as_plain(query)
    # "123" is also a name prefix; "#123" is only a number.
    assert list(search_households(str(registry.pk))) == sorted(
        [registry, street], key=lambda h: (h.family_name, h.pk)
    )
    assert list(search_households(f"#{registry.pk}")) == [registry]
    (diallo,) = search_households("(312) 555-0134")
    assert diallo.family_name == "Diallo"


def test_a_household_found_by_two_branches_is_listed_and_counted_once(registry):
    own = Household.objects.get(primary_contact_name="Sol Street")
    search = search_households(str(own.pk))  # its number, and the start of its name
    assert search.count() == 1
    assert list(search) == [own]
    assert_same_as_plain(str(own.pk))


def test_wildcards_are_literal(registry):
    assert [h.family_name for h in search_households("Per%")] == ["Per%cent"]
    assert [h.family_name for h in search_households("Under_")] == ["Under_score"]
    assert [h.family_name for h in search_households("Back\\")] == ["Back\\slash"]
    assert list(search_households("%")) == []


def test_pages_through_many_matches_in_order(registry):
    search = search_households("mensah")
    reference = list(plain_search("mensah"))
    assert len(reference) == 34
    assert search[0:25] + search[25:50] == reference
    assert search[33] == reference[33]
    with pytest.raises(IndexError):
        search[34]


def test_empty_query_lists_every_household(registry):
    assert list(search_households("")) == list(Household.objects.order_by("family_name", "id"))
    assert search_households(None).count() == Household.objects.count()


def test_only_the_listing_order_is_offered(registry):
    search = search_households("oka")
    assert search.order_by() is search
    assert search.order_by("family_name", "pk") is search
    with pytest.raises(ValueError, match="ordered by"):
        search.order_by("-registration_date")
    with pytest.raises(ValueError, match="Negative"):
        search[-1]
    with pytest.raises(TypeError):
        search[::2]


def test_a_page_reads_only_its_rows(registry):
    """One query for the page's ids over the indexes, one for those rows by primary key."""
    with CaptureQueriesContext(connection) as queries:
        page = search_households("mensah")[0:25]
    assert len(page) == 25
    assert len(queries.captured_queries) == 2
    ids_sql, rows_sql = (query["sql"] for query in queries.captured_queries)
    assert " UNION " in ids_sql
    assert "IN (" in rows_sql


@pytest.mark.mysql(reason="index hints and EXPLAIN are MySQL's")
def test_on_mysql_each_name_branch_reads_its_own_index(registry):
    search = search_households(f"{registry.pk}")  # both name branches and the id branch
    with CaptureQueriesContext(connection) as queries:
        search[0:25]
    ids_sql = queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + ids_sql.replace("%", "%%"))
        columns = [column[0] for column in cursor.description]
        plan = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    keys = [row["key"] for row in plan if row["table"] == "Households"]
    assert keys == ["idx_household_family_name", "idx_household_contact_family", "PRIMARY"]


# --- The pages that search ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "searched"),
    [
        ("oka", "oka"),
        ("OKAFOR", "OKAFOR"),
        ("", ""),
        ("%", "%"),
        ("' OR 1=1 --", "' OR 1=1 --"),
        ("9" * 5000, ""),  # over the form's 100 characters: refused, everyone is listed
        ("Oka\x00", ""),  # the form refuses NUL characters too
    ],
)
def test_households_page_lists_the_search(client, worker, registry, query, searched):
    client.force_login(worker.user)
    response = client.get(reverse("households:list"), {"q": query})
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == list(plain_search(searched)[:25])


def test_households_page_two(client, worker, registry):
    client.force_login(worker.user)
    response = client.get(reverse("households:list"), {"q": "mensah", "page": 2})
    assert response.status_code == 200
    assert response.context["paginator"].count == 34
    assert list(response.context["page_obj"]) == list(plain_search("mensah")[25:])
    assert response.context["household_list"] == list(plain_search("mensah")[25:])


@pytest.mark.parametrize("query", ["mens", "oKa", "\x00", "😀", "' OR 1=1 --", "x" * 500])
def test_distribution_picker_lists_the_first_eight(client, worker, registry, query):
    client.force_login(worker.user)
    response = client.get(reverse("distribution:household_picker"), {"household_query": query})
    assert response.status_code == 200
    assert list(response.context["results"]) == list(plain_search(query[:100])[:8])
