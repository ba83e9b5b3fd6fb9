"""A 3-node MariaDB Galera cluster on 127.0.0.1 with HAProxy in front (tests and drills).

Each node has its own ports (SQL, group communication, incremental and full state
transfer) and data directory; one applier thread per node (with more, trigger DDL
during replicated writes can stall the cluster). HAProxy balances SQL connections
over the nodes that pass its MySQL check, so a client of the HAProxy port keeps
working when one node dies. See devtools/cluster.py for the command line.
"""

import subprocess
import time
from pathlib import Path

from devtools.cluster import (
    GALERA_PROVIDER,
    HAPROXY,
    LOOPBACK,
    Server,
    connect,
    free_ports,
    query,
    save_state,
    status_value,
    stop_pid,
)

NODES = 3
CLUSTER_NAME = "aidtracker-test"


class Node(Server):
    def __init__(self, workdir, index, ports):
        super().__init__(workdir, f"node{index}", ports["sql"])
        self.index = index
        self.ports = ports

    def galera_args(self, cluster_address, *, new_cluster=False):
        group, ist, sst = self.ports["group"], self.ports["ist"], self.ports["sst"]
        options = (
            f"base_host={LOOPBACK};base_port={group};gmcast.listen_addr=tcp://{LOOPBACK}:{group};"
            f"ist.recv_addr={LOOPBACK}:{ist}"
        )
        return [
            "--binlog-format=ROW",
            "--innodb-autoinc-lock-mode=2",
            "--wsrep-on=ON",
            f"--wsrep-provider={GALERA_PROVIDER}",
            f"--wsrep-cluster-name={CLUSTER_NAME}",
            f"--wsrep-cluster-address={cluster_address}",
            f"--wsrep-node-name={self.name}",
            f"--wsrep-node-address={LOOPBACK}:{group}",
            "--wsrep-sst-method=rsync",
            f"--wsrep-sst-receive-address={LOOPBACK}:{sst}",
            f"--wsrep-provider-options={options}",
            "--wsrep-slave-threads=1",
            *(["--wsrep-new-cluster"] if new_cluster else []),
        ]

    def synced(self):
        try:
            return status_value(self.port, "wsrep_local_state_comment") == "Synced"
        except Exception:  # not answering yet is "not synced"
            return False


class GaleraCluster:
    """Three nodes and HAProxy; `state()` is what `stop_topology` needs to clean up."""

    def __init__(self, workdir, ports=None):
        self.workdir = Path(workdir)
        ports = ports or free_ports(4 * NODES + 1)
        self.proxy_port = ports[0]
        self.nodes = [
            Node(
                self.workdir,
                index + 1,
                dict(
                    zip(
                        ("sql", "group", "ist", "sst"),
                        ports[1 + 4 * index : 5 + 4 * index],
                        strict=True,
                    )
                ),
            )
            for index in range(NODES)
        ]
        self.haproxy_pid = None

    @property
    def cluster_address(self):
        return "gcomm://" + ",".join(f"{LOOPBACK}:{node.ports['group']}" for node in self.nodes)

    @property
    def proxy_url(self):
        return f"mysql://root:@{LOOPBACK}:{self.proxy_port}"

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)  # the servers run as mysql, which must reach their dirs
        for node in self.nodes:
            node.install()
        first, *others = self.nodes
        self.start_node(first, new_cluster=True)
        # HAProxy's health check signs in as this passwordless account, from loopback only.
        query(first.port, f"CREATE USER IF NOT EXISTS 'haproxy'@'{LOOPBACK}'")
        for node in others:
            self.start_node(node)
        self.start_haproxy()
        return self.state()

    def start_node(self, node, *, new_cluster=False):
        """Start (or restart after a kill) a node; it returns once it is Synced."""
        node.start(
            node.galera_args(self.cluster_address, new_cluster=new_cluster),
            timeout=180,
            ready=node.synced,
        )
        save_state(self.workdir, self.state())

    def kill_node(self, node):
        node.kill()
        save_state(self.workdir, self.state())

    def cluster_size(self, node):
        return int(status_value(node.port, "wsrep_cluster_size"))

    def start_haproxy(self):
        config = self.workdir / "haproxy.cfg"
        servers = "\n".join(
            f"    server {node.name} {LOOPBACK}:{node.port} check inter 500 fall 2 rise 2"
            for node in self.nodes
        )
        config.write_text(
            f"""global
    maxconn 2000

defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h

listen galera
    bind {LOOPBACK}:{self.proxy_port}
    balance leastconn
    option mysql-check user haproxy
{servers}
"""
        )
        with open(self.workdir / "haproxy.out", "ab") as out:
            process = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.haproxy_pid = process.pid
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connect(self.proxy_port).close()
                save_state(self.workdir, self.state())
                return
            except Exception:  # not up yet
                time.sleep(0.3)
        raise RuntimeError("HAProxy did not pass a connection to the cluster within 30 s")

    def stop(self):
        for pid in [self.haproxy_pid, *(node.pid for node in self.nodes)]:
            stop_pid(pid)

    def state(self):
        return {
            "topology": "galera",
            "proxy": self.proxy_url,
            "nodes": [node.url for node in self.nodes],
            "pids": [pid for pid in [self.haproxy_pid, *(n.pid for n in self.nodes)] if pid],
        }


def start(workdir):
    cluster = GaleraCluster(workdir)
    try:
        return cluster.start()
    except BaseException:
        cluster.stop()
        raise
