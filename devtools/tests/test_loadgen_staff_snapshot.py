"""The bulk loader writes its log rows and restocks as the portal does: each keeps the
staff member who recorded it as named then, the same name and role the services keep."""

import io

import pytest
from django.core.management import call_command

from audit.services import actor_snapshot
from distribution.models import DistributionLog
from inventory.models import StockMovement

pytestmark = pytest.mark.django_db


def test_loaded_rows_keep_their_staff_member_as_the_services_would(center, worker):
    worker.first_name, worker.last_name = "Zoë", "Ødegård"
    worker.save()
    call_command(
        "generate_load_data",
        households=15,
        distributions=60,
        months=2,
        centers=1,
        seed=7,
        verbosity=0,
        stdout=io.StringIO(),
    )

    for model in (DistributionLog, StockMovement):
        kept = set(model.objects.values_list("staff_id", "staff_name", "staff_role"))
        assert kept == {(worker.pk, *actor_snapshot(worker))}, model.__name__
