"""The change history is append-only in the database, whoever sends the SQL.

Household_Changes refuses every UPDATE and DELETE. Household_Change_Values (the
personal values of the history) refuses every UPDATE, and a DELETE until its
household is anonymised: erasing them is all anonymisation does to the history.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit.models import HouseholdChange, HouseholdChangeValues
from audit.services import erase_household_change_values, record_household_change
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

APPEND_ONLY = "append-only"


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def assert_refused(sql, params=(), word=""):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        execute(sql, params)
    assert APPEND_ONLY in str(excinfo.value)
    assert word in str(excinfo.value)


@pytest.fixture
def change(manager):
    household = HouseholdFactory(phone_number="+1 312 555 0142")
    return record_household_change(
        household=household,
        staff=manager,
        action=HouseholdChange.Action.EDITED,
        changes={"family_size": (4, 5)},
        personal={"phone_number": ("+13125550142", "+13125550199")},
    )


def rows(change):
    return (
        list(HouseholdChange.objects.filter(pk=change.pk).values()),
        list(HouseholdChangeValues.objects.filter(pk=change.pk).values()),
    )


@pytest.mark.parametrize(
    "set_clause",
    [
        "changes = '{}'",
        "staff_name = 'Someone else'",
        "staff_id = NULL",
        "action = 'status'",
        "created_at = created_at",
    ],
)
def test_the_database_refuses_to_update_a_change(change, set_clause):
    before = rows(change)
    assert_refused(
        f"UPDATE Household_Changes SET {set_clause} WHERE change_id = %s", [change.pk], "updated"
    )
    assert rows(change) == before


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("DELETE FROM Household_Changes WHERE change_id = %s", "pk"),
        ("DELETE FROM Household_Changes", ()),
    ],
)
def test_the_database_refuses_to_delete_a_change(change, sql, params):
    before = rows(change)
    assert_refused(sql, [change.pk] if params == "pk" else params, "deleted")
    assert rows(change) == before


def test_the_database_refuses_to_update_personal_values_even_once_anonymised(change):
    before = rows(change)
    sql = "UPDATE Household_Change_Values SET changes = '{}' WHERE change_id = %s"
    assert_refused(sql, [change.pk], "updated")
    change.household.__class__.objects.filter(pk=change.household_id).update(
        anonymised_at=timezone.now()
    )
    assert_refused(sql, [change.pk], "updated")
    assert rows(change)[0] == before[0]


def test_personal_values_are_deleted_only_once_the_household_is_anonymised(change):
    before = rows(change)
    assert_refused(
        "DELETE FROM Household_Change_Values WHERE change_id = %s", [change.pk], "anonymised"
    )
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        erase_household_change_values(household=change.household)
    assert rows(change) == before

    change.household.__class__.objects.filter(pk=change.household_id).update(
        anonymised_at=timezone.now()
    )
    assert erase_household_change_values(household=change.household) == 1
    assert rows(change) == (before[0], [])  # the change itself stays as written


def test_orm_updates_and_deletes_of_changes_are_refused(change):
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        HouseholdChange.objects.filter(pk=change.pk).update(subject="edited")
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        change.save()
    with pytest.raises((DatabaseError, ProtectedError)), transaction.atomic():
        change.delete()
    assert HouseholdChange.objects.filter(pk=change.pk, subject="").exists()


def test_a_household_or_staff_member_with_history_cannot_be_deleted(change, manager):
    with pytest.raises(ProtectedError), transaction.atomic():
        change.household.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        manager.delete()
    assert HouseholdChange.objects.filter(pk=change.pk).exists()
