"""Pages that list households' personal data record one access-log entry per view,
naming the households shown: the search, the duplicate queue, the import pages and the
admin's list. A subject access request then finds every list that showed a household.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidtracker.tests.test_permission_matrix import portal_import
from audit.models import AccessLog
from audit.selectors import access_entries_about
from households.models import PossibleDuplicate
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(db):
    return [
        HouseholdFactory(family_name=name, primary_contact_name=f"Ana {name}")
        for name in ("Adeyemi", "Banda", "Banerjee", "Chukwu")
    ]


def entries(target):
    return list(AccessLog.objects.filter(target=target).order_by("id"))


def test_each_view_of_the_list_records_the_households_it_showed(client, worker, households):
    client.force_login(worker.user)
    client.get(reverse("households:list"))
    client.get(reverse("households:list"), {"q": "ban"})

    (listed,) = entries("household list")
    assert listed.action == AccessLog.Action.LIST_HOUSEHOLDS
    assert listed.staff == worker
    assert listed.params == {"page": 1, "households": [h.pk for h in households]}
    assert listed.row_count == 4
    (searched,) = entries("household search")
    assert searched.params["households"] == [households[1].pk, households[2].pk]
    assert "ban" not in str(searched.params)  # a search's text may be a name or a phone


def test_one_insert_per_page_view_and_none_when_nothing_is_shown(client, worker, households):
    client.force_login(worker.user)
    client.get(reverse("households:list"))  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("households:list"), {"q": "Adeyemi"})
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert "Access_Log" in inserts[0]

    before = AccessLog.objects.count()
    client.get(reverse("households:list"), {"q": "Zzyzx"})
    assert AccessLog.objects.count() == before


def test_the_duplicate_queue_records_both_households_of_each_pair(client, manager, households):
    PossibleDuplicate.objects.create(
        household_a=households[1], household_b=households[2], score=90, evidence="alike"
    )
    client.force_login(manager.user)
    client.get(reverse("households:duplicates"))
    (entry,) = entries("possible duplicates")
    assert entry.params["households"] == [households[1].pk, households[2].pk]


def test_the_import_pages_record_the_households_their_rows_name(client, portal):
    manager = portal.staff["manager"]
    job = portal_import(portal)
    row = job.rows.get()
    row.household_id = portal.household.pk
    row.message = f"Possible duplicate of household #{portal.served.pk}: same family name."
    row.save()
    client.force_login(manager.user)
    client.get(reverse("households:import_detail", args=[job.pk]))
    client.get(reverse("households:import_report", args=[job.pk]))

    (page,) = entries("household import")
    assert page.params == {
        "import": job.pk,
        "page": 1,
        "households": [portal.household.pk, portal.served.pk],
    }
    (report,) = entries("household import report")
    assert report.action == AccessLog.Action.EXPORT
    assert report.export_format == "csv"
    assert report.params["households"] == [portal.household.pk, portal.served.pk]


def test_the_admin_list_records_its_page(client, admin_staff, households):
    client.force_login(admin_staff.user)
    assert client.get(reverse("admin:households_household_changelist")).status_code == 200
    (entry,) = entries("household list (admin)")
    assert sorted(entry.params["households"]) == sorted(h.pk for h in households)


def test_every_list_that_showed_a_household_is_found_again(client, worker, households):
    client.force_login(worker.user)
    client.get(reverse("households:list"), {"q": "ban"})
    client.get(reverse("households:list"), {"q": "Chukwu"})
    client.get(reverse("households:detail", args=[households[1].pk]))

    about = access_entries_about(households[1].pk)
    assert [(entry.action, entry.target) for entry in about] == [
        ("view_household", "household"),
        ("list_households", "household search"),
    ]
    assert access_entries_about(households[0].pk) == []
