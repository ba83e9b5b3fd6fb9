"""A MariaDB primary and a read-only replica (GTID replication) on 127.0.0.1.

For tests and drills of report reads from a replica. The replica runs with
`read_only`, so only accounts with the READ ONLY ADMIN privilege (root) can write to
it; the portal reads it as the SELECT-only reporting account. See devtools/cluster.py
for the command line.
"""

import time
from pathlib import Path

from devtools.cluster import LOOPBACK, Server, free_ports, query, save_state, stop_pid


class ReplicaPair:
    def __init__(self, workdir, ports=None):
        self.workdir = Path(workdir)
        primary_port, replica_port = ports or free_ports(2)
        self.primary = Server(self.workdir, "primary", primary_port)
        self.replica = Server(self.workdir, "replica", replica_port)

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)  # the servers run as mysql, which must reach their dirs
        for server in (self.primary, self.replica):
            server.install()
        self.primary.start(self._args(self.primary, 1))
        query(self.primary.port, f"CREATE USER IF NOT EXISTS 'repl'@'{LOOPBACK}'")
        query(self.primary.port, f"GRANT REPLICATION SLAVE ON *.* TO 'repl'@'{LOOPBACK}'")
        self.replica.start([*self._args(self.replica, 2), "--read-only=ON"])
        query(
            self.replica.port,
            f"CHANGE MASTER TO MASTER_HOST='{LOOPBACK}', MASTER_PORT={self.primary.port}, "
            "MASTER_USER='repl', MASTER_USE_GTID=slave_pos",
        )
        query(self.replica.port, "START SLAVE")
        self.wait_until_replicating()
        save_state(self.workdir, self.state())
        return self.state()

    def _args(self, server, server_id):
        return [
            f"--server-id={server_id}",
            f"--log-bin={server.workdir / 'mariadb-bin'}",
            "--binlog-format=ROW",
            "--gtid-strict-mode=ON",
            f"--relay-log={server.workdir / 'relay-bin'}",
        ]

    def replica_status(self):
        import MySQLdb.cursors

        from devtools.cluster import connect

        connection = connect(self.replica.port, cursorclass=MySQLdb.cursors.DictCursor)
        try:
            cursor = connection.cursor()
            cursor.execute("SHOW SLAVE STATUS")
            return cursor.fetchone() or {}
        finally:
            connection.close()

    def wait_until_replicating(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.replica_status()
            if status.get("Slave_IO_Running") == "Yes" and status.get("Slave_SQL_Running") == "Yes":
                return status
            time.sleep(0.3)
        raise RuntimeError(f"The replica is not replicating: {self.replica_status()}")

    def wait_until_caught_up(self, timeout=60):
        """Wait until the replica has applied everything the primary has written."""
        position = query(self.primary.port, "SELECT @@gtid_binlog_pos")[0][0]
        rows = query(self.replica.port, f"SELECT MASTER_GTID_WAIT('{position}', {timeout})")
        if rows[0][0] != 0:
            raise RuntimeError(f"The replica did not reach {position} within {timeout} s")

    def stop(self):
        for server in (self.replica, self.primary):
            stop_pid(server.pid)

    def state(self):
        return {
            "topology": "replica",
            "primary": self.primary.url,
            "replica": self.replica.url,
            "pids": [pid for pid in (self.replica.pid, self.primary.pid) if pid],
        }


def start(workdir):
    pair = ReplicaPair(workdir)
    try:
        return pair.start()
    except BaseException:
        pair.stop()
        raise
