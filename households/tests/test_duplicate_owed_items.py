"""A confirmed duplicate's open owed items move to its survivor, with the history saying so.

The family keeps what it was owed (the survivor may collect it, once); what is closed
(handed out, lapsed, cancelled by a void) stays with the registration it belongs to. The
control test shows the units stranded when nothing moves.
"""

import datetime

import pytest

from audit.models import HouseholdChange
from distribution.models import DistributionLog
from distribution.selectors import owed_items
from distribution.services import serve_household, void_distribution
from households import services as household_services
from households.history import entries_for
from households.models import PossibleDuplicate
from households.services import confirm_duplicate
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db

Status = DistributionLog.Status


def one_family(**survivor_fields):
    """The family's first registration and a later one, queued as a pair."""
    older = HouseholdFactory(registration_date=datetime.date(2024, 3, 1), **survivor_fields)
    newer = HouseholdFactory(registration_date=datetime.date(2025, 5, 1))
    pair = PossibleDuplicate.objects.create(
        household_a=older, household_b=newer, score=95, evidence="same family name (Hassan)"
    )
    return older, newer, pair


def short_hand_out(household, center, worker, admin_staff, *, units=5, on_hand=2):
    """Serve `household` a package of `units` with only `on_hand` in stock: it is owed
    the rest. Returns the package and the owed item."""
    package = AidPackageFactory(units_per_household=units, validity_period_days=30)
    restock(center=center, package=package, quantity=on_hand, staff=admin_staff)
    serve_household(household=household, center=center, staff=worker, lines=[(package, None)])
    (owed,) = owed_items(household)
    return package, owed


def test_the_survivor_collects_what_the_duplicate_was_owed(center, worker, manager, admin_staff):
    older, newer, pair = one_family()
    package, owed = short_hand_out(newer, center, worker, admin_staff)
    restock(center=center, package=package, quantity=10, staff=admin_staff)

    survivor = confirm_duplicate(pair=pair, staff=manager)

    assert survivor == older
    assert owed_items(newer) == []
    (moved,) = owed_items(older)
    assert (moved.pk, moved.quantity, moved.log.household_id) == (owed.pk, 3, newer.pk)
    visit = serve_household(household=older, center=center, staff=worker, lines=[(package, None)])
    (log,) = visit.logs
    assert (log.transaction_status, log.quantity_distributed, log.owed_item_id) == (
        Status.SUCCESS,
        3,
        owed.pk,
    )
    assert owed_items(older) == []
    again = serve_household(household=older, center=center, staff=worker, lines=[(package, None)])
    assert [line.failure_code for line in again.logs] == ["not_eligible"]


def test_both_histories_name_the_items_moved(center, worker, manager, admin_staff):
    older, newer, pair = one_family()
    _package, owed = short_hand_out(newer, center, worker, admin_staff)

    confirm_duplicate(pair=pair, staff=manager)

    confirmed = HouseholdChange.Action.DUPLICATE_CONFIRMED
    handed = HouseholdChange.objects.get(household=newer, action=confirmed)
    taken = HouseholdChange.objects.get(household=older, action=confirmed)
    assert handed.changes["open_owed_items"] == [[owed.pk], None]
    assert taken.changes == {"owed_items_taken_over": [None, [owed.pk]]}
    (entry,) = [e for e in entries_for(older, manager) if e.change.pk == taken.pk]
    assert [line.sentence for line in entry.lines] == [f"Owed items taken over set to {owed.pk}"]
    (entry,) = [e for e in entries_for(newer, manager) if e.change.pk == handed.pk]
    assert f"Open owed items cleared (was {owed.pk})" in [line.sentence for line in entry.lines]


def test_closed_owed_items_stay_with_the_duplicate(center, worker, manager, admin_staff):
    """Handed out, cancelled by a void, lapsed: none of these is owed any more."""
    older, newer, pair = one_family()
    handed_out, handed_out_owed = short_hand_out(newer, center, worker, admin_staff)
    restock(center=center, package=handed_out, quantity=3, staff=admin_staff)
    serve_household(household=newer, center=center, staff=worker, lines=[(handed_out, None)])
    voided_package = AidPackageFactory(units_per_household=4, validity_period_days=30)
    restock(center=center, package=voided_package, quantity=1, staff=admin_staff)
    visit = serve_household(
        household=newer, center=center, staff=worker, lines=[(voided_package, None)]
    )
    void_distribution(log=visit.logs[0], staff=manager, reason="wrong household")
    _package, lapsed = short_hand_out(newer, center, worker, admin_staff)
    assert owed_items(newer) == [lapsed]

    later = lapsed.expires_at + datetime.timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(household_services.timezone, "now", lambda: later)
        confirm_duplicate(pair=pair, staff=manager)

    owned = set(newer.owed_items.values_list("pk", flat=True))
    assert len(owned) == 3
    assert {handed_out_owed.pk, lapsed.pk} < owned
    assert not older.owed_items.exists()


def test_without_the_move_the_family_could_not_collect_what_it_was_owed(
    center, worker, manager, admin_staff, monkeypatch
):
    """Control: the duplicate's hand-out blocks the survivor (one family), so with the
    owed item left behind the rest of the package is refused."""
    monkeypatch.setattr(household_services, "move_open_owed_items", lambda **kwargs: [])
    older, newer, pair = one_family()
    package, _owed = short_hand_out(newer, center, worker, admin_staff)
    restock(center=center, package=package, quantity=10, staff=admin_staff)

    confirm_duplicate(pair=pair, staff=manager)

    refused = serve_household(household=older, center=center, staff=worker, lines=[(package, 3)])
    assert [line.failure_code for line in refused.logs] == ["not_eligible"]
