"""Local test topologies: a 3-node MariaDB Galera cluster behind HAProxy, and a primary
with a GTID read replica. For tests, CI and drills on one machine; never production.

    python -m devtools.cluster galera start [--dir DIR]   # prints the URLs, then returns
    python -m devtools.cluster galera stop [--dir DIR]    # stops every process by PID
    python -m devtools.cluster replica start|stop [--dir DIR]

Everything listens on 127.0.0.1 on free ports, with its own data directory under DIR
(default: a folder in the temp dir); `state.json` in DIR records the PIDs and ports,
so `stop` works from another process and nothing is left running. The nodes run as
the `mysql` user when started as root: Galera's rsync state transfer needs it.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.load.server import LOOPBACK, MARIADBD, free_port, install_datadir, port_in_use

GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so"
HAPROXY = "/usr/sbin/haproxy"
DEFAULT_DIRS = {
    "galera": Path(tempfile.gettempdir()) / "aidtracker-galera",
    "replica": Path(tempfile.gettempdir()) / "aidtracker-replica",
}


def _as_mysql():
    return os.geteuid() == 0


def _chown_mysql(path):
    if _as_mysql():
        shutil.chown(path, "mysql", "mysql")


def connect(port, **kwargs):
    import MySQLdb

    return MySQLdb.connect(host=LOOPBACK, port=port, user="root", connect_timeout=3, **kwargs)


def query(port, sql):
    connection = connect(port)
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        connection.close()


def status_value(port, name):
    rows = query(port, f"SHOW GLOBAL STATUS LIKE '{name}'")
    return rows[0][1] if rows else None


class Server:
    """One mariadbd of a topology: its own datadir, port, socket and logs."""

    def __init__(self, workdir, name, port):
        self.workdir = Path(workdir) / name
        self.name = name
        self.port = port
        self.datadir = self.workdir / "data"
        self.pid = None

    @property
    def url(self):
        return f"mysql://root:@{LOOPBACK}:{self.port}"

    def install(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        _chown_mysql(self.workdir)
        install_datadir(self.datadir, ["--user=mysql"] if _as_mysql() else [])

    def base_args(self):
        data = self.datadir
        return [
            MARIADBD,
            "--no-defaults",
            *(["--user=mysql"] if _as_mysql() else []),
            f"--datadir={data}",
            f"--port={self.port}",
            f"--bind-address={LOOPBACK}",
            f"--socket={self.workdir / 'mysqld.sock'}",
            f"--pid-file={self.workdir / 'mysqld.pid'}",
            f"--log-error={self.workdir / 'error.log'}",
            # The state transfer scripts read my.cnf unless every directory is given.
            f"--innodb-data-home-dir={data}",
            f"--innodb-log-group-home-dir={data}",
            f"--innodb-undo-directory={data}",
            f"--aria-log-dir-path={data}",
            "--innodb-buffer-pool-size=128M",
            "--innodb-flush-log-at-trx-commit=1",
            "--max-connections=300",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--log-bin-trust-function-creators=1",
        ]

    def start(self, extra_args, timeout=120, ready=None):
        if port_in_use(self.port):
            raise SystemExit(f"Port {self.port} is already in use.")
        with open(self.workdir / "mariadbd.out", "ab") as out:
            process = subprocess.Popen(
                [*self.base_args(), *extra_args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid = process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {process.returncode}: {self.tail()}")
            if self.ping() and (ready is None or ready()):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} was not ready within {timeout} s: {self.tail()}")

    def ping(self):
        import MySQLdb

        try:
            connect(self.port).close()
        except MySQLdb.Error:
            return False
        return True

    def tail(self, lines=15):
        log = self.workdir / "error.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self, sig=signal.SIGKILL):
        stop_pid(self.pid, sig)


def stop_pid(pid, sig=signal.SIGTERM, timeout=60):
    """Signal `pid` and wait until it is gone (SIGKILL after `timeout` seconds)."""
    if not pid:
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child: poll for it
            finished = 0 if _alive(pid) else pid
        if finished == pid or not _alive(pid):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _proc_state(pid)


def _proc_state(pid):
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return ""


def save_state(workdir, state):
    (Path(workdir) / "state.json").write_text(json.dumps(state, indent=2))


def load_state(workdir):
    path = Path(workdir) / "state.json"
    return json.loads(path.read_text()) if path.exists() else None


def stop_topology(workdir):
    """Stop every process `state.json` names (HAProxy first, then the servers)."""
    state = load_state(workdir)
    if state is None:
        return False
    for pid in state.get("pids", []):
        stop_pid(pid)
    shutil.rmtree(workdir, ignore_errors=True)
    return True


def main(argv=None):
    from devtools import galera, replication

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topology", choices=["galera", "replica"])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, help="Working directory (data, logs, state).")
    args = parser.parse_args(argv)
    workdir = args.dir or DEFAULT_DIRS[args.topology]
    if args.action == "stop":
        print("stopped" if stop_topology(workdir) else f"nothing running in {workdir}")
        return 0
    if args.action == "status":
        print(json.dumps(load_state(workdir), indent=2))
        return 0
    if load_state(workdir) is not None:
        raise SystemExit(f"{workdir} already holds a running topology: stop it first.")
    module = galera if args.topology == "galera" else replication
    state = module.start(Path(workdir))
    print(json.dumps(state, indent=2))
    return 0


def free_ports(count):
    ports = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


if __name__ == "__main__":
    sys.exit(main())
