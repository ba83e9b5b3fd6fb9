"""Teach `sp_distribute_package` the owed-item rule, MySQL/MariaDB only.

`distribute_package` lets a household inside a package's validity period receive it
up to what an open owed item still owes, and records that item on the success row
(`owed_item_id`). Version 0003 of the procedure refused those attempts as
`not_eligible`, so the two no longer decided alike; version 0008 applies the same
rule at the same point of the check order and writes the new `visit_id` and
`owed_item_id` columns. Going back puts version 0003 back.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0007_visits_and_owed_items"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=["sp_distribute_package.0008"],
            previous=["sp_distribute_package.0003"],
        ),
    ]
