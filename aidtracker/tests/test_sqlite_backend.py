"""SQLite table rebuilds keep the views and every trigger, including those of other tables
that read the rebuilt one (the rollup triggers read Households)."""

import pytest
from django.db import DatabaseError, connection, transaction

from distribution.models import DistributionLog
from distribution.tests.factories import DistributionLogFactory
from households.models import Household
from inventory.models import StockMovement
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory


def schema_objects():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger')"
        )
        return sorted(cursor.fetchall())


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="Only SQLite rebuilds tables to alter them."
)
@pytest.mark.parametrize("model", [DistributionLog, StockMovement, Household])
@pytest.mark.django_db(transaction=True)
def test_rebuilding_a_table_keeps_views_and_triggers(model, center, manager):
    DistributionLogFactory(center=center)
    restock(center=center, package=AidPackageFactory(), quantity=1, staff=manager)
    before = schema_objects()

    with connection.schema_editor() as editor:
        editor._remake_table(model)

    assert schema_objects() == before
    if model is Household:  # read by the rollup triggers of Distribution_Log
        assert any("Households" in sql for kind, _, sql in before if kind == "trigger")
        return
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        model.objects.all().delete()
    assert model.objects.count() == 1
