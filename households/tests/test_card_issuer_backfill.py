"""The migration that keeps a card's issuer name fills the cards issued before it.

A card inserted the old way (no `issued_by_name`) gets its issuer as named at migration
time, and from then on the database refuses a card without one.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from devtools.assertions import refused_by
from households.models import HouseholdCard
from households.tests.factories import HouseholdFactory


@pytest.mark.django_db(transaction=True)
def test_older_cards_get_their_issuers_name(worker, manager):
    household = HouseholdFactory()
    try:
        call_command("migrate", "households", "0012", verbosity=0, interactive=False)
        with connection.cursor() as cursor:
            for code, staff in (("AAAABBBBCCCC", worker), ("DDDDEEEEFFFF", manager)):
                cursor.execute(
                    "INSERT INTO Household_Cards (household_id, code, issued_by_id, issued_at)"
                    " VALUES (%s, %s, %s, CURRENT_TIMESTAMP)",
                    [household.pk, code, staff.pk],
                )
    finally:
        call_command("migrate", verbosity=0, interactive=False)

    names = dict(HouseholdCard.objects.values_list("code", "issued_by_name"))
    assert names == {"AAAABBBBCCCC": worker.full_name, "DDDDEEEEFFFF": manager.full_name}
    with refused_by("chk_card_issued_by_name"):
        HouseholdCard.objects.bulk_create(
            [HouseholdCard(household=household, code="GGGGHHHHJJJJ", issued_by=worker)]
        )
