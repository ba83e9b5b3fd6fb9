"""The one table the database library owns: the cluster-wide locks of core.db.galera."""

from django.db import models


class ClusterLock(models.Model):
    """A row two transactions on different Galera nodes both write when they must
    not both commit: Galera certifies the second one's write as a conflict and
    refuses its commit (it is retried and then sees the first one's outcome).

    `lock_name` says what is locked ("household", "rollup-rebuild") and `lock_key`
    which one (a household id; 0 for the one of its kind). `version` only grows.
    """

    pk = models.CompositePrimaryKey("lock_name", "lock_key")
    lock_name = models.CharField(max_length=30)
    lock_key = models.BigIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        db_table = "Cluster_Locks"

    def __str__(self):
        return f"{self.lock_name} {self.lock_key} (v{self.version})"
