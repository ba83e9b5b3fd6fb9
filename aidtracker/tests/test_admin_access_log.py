"""The access log (audit.AccessLog, table Access_Log) in Django admin, by role.

"An access log that managers can read and nobody can edit". In the admin
(reports/admin.py, AccessLogAdmin on aidtracker/admin.py's ReadOnlyAdmin):

* managers read the entries of their own center's staff, and only those (the
  changelist, its search and filters, and each entry's page);
* admins read every entry;
* nobody adds, changes or deletes an entry through the admin, one by one or with the
  bulk delete action (the database triggers refuse it too: reports/tests/test_access_log.py);
* volunteers and workers do not reach it at all, even with Django's is_staff flag set.
"""

import pytest
from django.urls import reverse

from audit.models import AccessLog
from audit.services import record_access
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_accesslog_changelist")
ADD = reverse("admin:audit_accesslog_add")


def change_url(entry):
    return reverse("admin:audit_accesslog_change", args=[entry.pk])


def delete_url(entry):
    return reverse("admin:audit_accesslog_delete", args=[entry.pk])


@pytest.fixture
def entries(volunteer, worker, manager, admin_staff, other_manager):
    """One entry by each staff member: `center` staff and one of `other_center`."""
    household = HouseholdFactory()

    def viewed(staff):
        return record_access(
            staff=staff,
            action=AccessLog.Action.VIEW_HOUSEHOLD,
            target="household",
            object_id=household.pk,
        )

    return {
        "volunteer": viewed(volunteer),
        "worker": viewed(worker),
        "manager": record_access(
            staff=manager,
            action=AccessLog.Action.EXPORT,
            target="monthly",
            export_format="csv",
            params={"month_from": "2025-01"},
            row_count=3,
        ),
        "admin": viewed(admin_staff),  # the admin fixture works at `center` too
        "other_manager": record_access(
            staff=other_manager,
            action=AccessLog.Action.EXPORT,
            target="stock",
            export_format="xlsx",
            row_count=7,
        ),
    }


def snapshot():
    return list(AccessLog.objects.order_by("pk").values())


def listed(response):
    return set(response.context["cl"].queryset)


def signed_in(client, staff):
    client.force_login(staff.user)
    return client


# --------------------------------------------------------------------------- reading


def test_manager_reads_the_entries_of_own_center_staff_only(client, manager, entries):
    signed_in(client, manager)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    own = {entries[name] for name in ("volunteer", "worker", "manager", "admin")}
    assert listed(response) == own
    page = response.content.decode()
    assert entries["worker"].staff_name in page
    assert entries["other_manager"].staff_name not in page


def test_manager_opens_an_own_center_entry_read_only(client, manager, entries):
    signed_in(client, manager)
    entry = entries["worker"]

    response = client.get(change_url(entry))

    assert response.status_code == 200
    page = response.content.decode()
    assert entry.staff_name in page
    assert 'name="_save"' not in page  # no Save button: every field is read-only
    assert 'name="_continue"' not in page
    assert delete_url(entry) not in page


def test_manager_cannot_open_another_centers_entry(client, manager, entries):
    signed_in(client, manager)
    entry = entries["other_manager"]

    response = client.get(change_url(entry))

    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert response["Location"] == reverse("admin:index")
    assert entry.staff_name not in response.content.decode()
    history = client.get(reverse("admin:audit_accesslog_history", args=[entry.pk]))
    assert history.status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Tester"},  # every factory staff member's last name
        {"action__exact": AccessLog.Action.EXPORT},
        {"target": "stock"},
        {"export_format__exact": "xlsx"},
    ],
)
def test_manager_search_and_filters_stay_in_scope(client, manager, entries, query):
    signed_in(client, manager)
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    assert entries["other_manager"] not in listed(response)


def test_admin_reads_every_entry(client, admin_staff, entries):
    signed_in(client, admin_staff)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed(response) == set(AccessLog.objects.all()) == set(entries.values())
    assert client.get(change_url(entries["other_manager"])).status_code == 200


# ------------------------------------------------------------------- nobody edits it


@pytest.mark.parametrize("role", ["manager", "admin_staff"])
def test_nobody_adds_changes_or_deletes_an_entry(client, request, role, entries):
    signed_in(client, request.getfixturevalue(role))
    entry = entries["manager"]
    before = snapshot()
    edited = {
        "staff_name": "Someone else",
        "action": AccessLog.Action.EXPORT,
        "target": "coverage",
        "params": "{}",
    }

    assert client.get(ADD).status_code == 403
    assert client.post(ADD, edited).status_code == 403
    assert client.post(change_url(entry), edited).status_code == 403
    assert client.get(delete_url(entry)).status_code == 403
    assert client.post(delete_url(entry), {"post": "yes"}).status_code == 403

    assert snapshot() == before


@pytest.mark.parametrize("role", ["manager", "admin_staff"])
def test_the_bulk_delete_action_is_not_offered_or_run(client, request, role, entries):
    signed_in(client, request.getfixturevalue(role))
    before = snapshot()

    listing = client.get(CHANGELIST)
    assert "delete_selected" not in listing.content.decode()
    response = client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [entry.pk for entry in entries.values()],
            "post": "yes",
        },
    )

    assert response.status_code in (200, 302)  # "no action selected", nothing done
    assert snapshot() == before


def test_no_add_button_for_anyone(client, admin_staff, entries):
    signed_in(client, admin_staff)
    assert ADD not in client.get(CHANGELIST).content.decode()


# ----------------------------------------------------------- who does not get in


@pytest.mark.parametrize("role", ["volunteer", "worker"])
@pytest.mark.parametrize("is_staff", [False, True], ids=["plain", "with-is_staff"])
def test_volunteers_and_workers_do_not_reach_the_access_log(
    client, request, role, is_staff, entries
):
    staff = request.getfixturevalue(role)
    staff.user.is_staff = is_staff  # Django's own flag does not open the admin here
    staff.user.save()
    signed_in(client, staff)
    entry = entries[role]
    before = snapshot()

    for url in (CHANGELIST, change_url(entry), ADD, delete_url(entry)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
        assert entry.staff_name not in response.content.decode()
    assert client.post(delete_url(entry), {"post": "yes"}).status_code == 302

    assert snapshot() == before


def test_anonymous_users_are_sent_to_the_admin_login(client, entries):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
