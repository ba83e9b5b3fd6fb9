"""Count a confirmed duplicate's distributions in the eligibility of its household.

A household registered twice and confirmed as one (`Households.duplicate_of`) is
served once per validity period: the served successes of the household and of every
household whose `duplicate_of` is it block it. The service reads that in
`statements.blocking_success`; version 0009 of `vw_household_eligibility` (both
vendors) and of `sp_distribute_package` (MySQL/MariaDB) read the same. Going back
puts versions 0002 and 0008 back.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0008_procedure_honours_owed_items"),
        ("households", "0009_possible_duplicates"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=["vw_household_eligibility.0009", "sp_distribute_package.0009"],
            previous=["vw_household_eligibility.0002", "sp_distribute_package.0008"],
        ),
    ]
