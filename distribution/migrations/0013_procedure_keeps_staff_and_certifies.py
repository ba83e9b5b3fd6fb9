"""`sp_distribute_package` version 0013, MySQL/MariaDB only.

Its audit rows keep the staff member as named then (`staff_name`, `staff_role`), as
the service's do. On a Galera cluster (`@@wsrep_on`) it also writes the household's
`Cluster_Locks` row after locking the household, as `core.db.galera.certify` does for
the service: a row lock holds on one node only, and two nodes serving one household
at once must conflict when they commit. On one server the write is skipped. Going
back puts version 0011 back.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0012_log_staff_snapshot"),
        ("core", "0001_cluster_locks"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=["sp_distribute_package.0013"],
            previous=["sp_distribute_package.0011"],
        ),
    ]
