"""Processes a load run starts and stops itself: gunicorn and (faults) a private MariaDB.

Everything listens on 127.0.0.1 only. The private MariaDB has its own data directory,
port and socket in a temp dir and is never the machine's shared server on 3306.
"""

import os
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = REPO / "gunicorn.conf.py"
LOOPBACK = "127.0.0.1"
SHARED_MARIADB_PORT = 3306
MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "mariadb-install-db"


def install_datadir(datadir, user_args=()):
    """Create a MariaDB data directory whose root signs in without a password."""
    if shutil.which(INSTALL_DB) is None or not os.access(MARIADBD, os.X_OK):
        raise SystemExit(f"Needs {INSTALL_DB} and {MARIADBD} (Debian: mariadb-server).")
    subprocess.run(
        [
            INSTALL_DB,
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *user_args,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def free_port():
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def port_in_use(port):
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, port)) == 0


def require_loopback(database_url):
    host = urlsplit(database_url).hostname
    if host not in (LOOPBACK, "localhost", "::1"):
        raise SystemExit(f"Refusing a non-loopback database host {host!r}: loopback only.")


def portal_env(database_url, static_root, **extra):
    """The environment of gunicorn and of this process: production settings over plain http."""
    return {
        "DJANGO_SETTINGS_MODULE": "devtools.load.settings",
        "AIDTRACKER_LOAD_STATIC_ROOT": str(static_root),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        **extra,
    }


def create_database(database_url, *, drop=False):
    """CREATE DATABASE for a mysql:// URL (utf8mb4), optionally dropping it first."""
    import MySQLdb

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Unexpected database name {name!r}")
    connection = MySQLdb.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        cursor = connection.cursor()
        if drop:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS `{name}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    finally:
        connection.close()


def setup_django(env, *, log):
    """Configure Django in this process with `env`, migrate, and collect static files."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    call_command("collectstatic", interactive=False, verbosity=0)
    log(f"collected static files in {time.monotonic() - started:.1f} s")


def http_status(url, timeout=5.0):
    """GET url; return its status, or 0 if the connection failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return 0


def children(pid):
    """PIDs whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids):
    """User + system CPU seconds used so far by these processes (those still alive)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def gunicorn_defaults():
    """(workers, threads) that gunicorn.conf.py gives in this environment: what the image runs."""
    config = runpy.run_path(str(GUNICORN_CONFIG))
    return config["workers"], config["threads"]


class Gunicorn:
    """gunicorn as the Dockerfile runs it (gunicorn.conf.py), bound to 127.0.0.1.

    `workers` and `threads` override the config file's, as the image's
    WEB_CONCURRENCY and GUNICORN_THREADS would.
    """

    def __init__(self, env, *, workers, threads, workdir, port=None):
        self.env = {**os.environ, **env}
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.log_path = Path(workdir) / "gunicorn.log"
        self.process = None

    @property
    def description(self):
        """The workers as gunicorn runs them: sync with one thread, gthread with more."""
        if self.threads > 1:
            return f"{self.workers} gthread workers x {self.threads} threads"
        return f"{self.workers} sync workers"

    @property
    def base_url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout=120):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"{LOOPBACK}:{self.port}",
            "--threads",
            str(self.threads),
            "--workers",
            str(self.workers),
            "--graceful-timeout",
            "10",
            # gunicorn 27's control socket defaults to one path per user; keep ours apart.
            "--control-socket",
            str(self.log_path.with_name("gunicorn.ctl")),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.tail()}")
            ready = http_status(f"{self.base_url}/readyz") == 200
            if ready and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn not ready after {timeout} s: {self.tail()}")

    def worker_pids(self):
        return children(self.process.pid) if self.process else []

    def cpu_seconds(self):
        """CPU seconds used by the master and the current workers."""
        return cpu_seconds([self.process.pid, *self.worker_pids()])

    def tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_lines(self):
        """Log lines at ERROR or CRITICAL (Django's 500 tracebacks, gunicorn's worker errors)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        markers = ('"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]", "[CRITICAL]")
        return [line for line in text.splitlines() if any(m in line for m in markers)]

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class PrivateMariaDB:
    """A MariaDB server of the run's own: own datadir, port and socket, root without password.

    `innodb_flush_log_at_trx_commit=1` (the default, stated explicitly): a commit
    the client has been told about survives the server being killed. `binlog=True`
    writes a ROW-format binary log in the workdir, as the compose `db` service does.
    """

    def __init__(self, workdir, port=None, *, binlog=False):
        self.workdir = Path(workdir)
        self.datadir = self.workdir / "data"
        self.socket = self.workdir / "mysqld.sock"
        self.pid_file = self.workdir / "mysqld.pid"
        self.error_log = self.workdir / "mariadb-error.log"
        self.port = port or free_port()
        self.binlog = binlog
        if self.port == SHARED_MARIADB_PORT:
            raise SystemExit("Port 3306 is the machine's shared MariaDB; pick another port.")
        self.process = None

    def url(self, name):
        return f"mysql://root:@{LOOPBACK}:{self.port}/{name}"

    def binlog_files(self):
        return sorted(self.workdir.glob("mariadb-bin.[0-9]*"))

    def _binlog_args(self):
        if not self.binlog:
            return ["--skip-log-bin"]
        return [
            f"--log-bin={self.workdir / 'mariadb-bin'}",
            "--binlog-format=ROW",
            "--server-id=1",
        ]

    def _user_args(self):
        return ["--user=root"] if os.geteuid() == 0 else []

    def install(self):
        self.datadir.mkdir(parents=True)
        install_datadir(self.datadir, self._user_args())

    def start(self, timeout=90):
        if port_in_use(self.port):
            raise SystemExit(f"Port {self.port} is already in use.")
        with open(self.workdir / "mariadbd.out", "ab") as out:
            self.process = subprocess.Popen(
                [
                    MARIADBD,
                    "--no-defaults",
                    f"--datadir={self.datadir}",
                    f"--port={self.port}",
                    f"--bind-address={LOOPBACK}",
                    f"--socket={self.socket}",
                    f"--pid-file={self.pid_file}",
                    f"--log-error={self.error_log}",
                    *self._binlog_args(),
                    "--innodb-buffer-pool-size=128M",
                    "--innodb-flush-log-at-trx-commit=1",
                    "--max-connections=300",
                    *self._user_args(),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited with {self.process.returncode}")
            if self.ping():
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"mariadbd did not answer within {timeout} s")

    def ping(self):
        import MySQLdb

        try:
            MySQLdb.connect(host=LOOPBACK, port=self.port, user="root", connect_timeout=2).close()
        except MySQLdb.Error:
            return False
        return True

    def kill(self):
        """SIGKILL the server (no shutdown, no flush) and reap it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def workdir(prefix):
    return Path(tempfile.mkdtemp(prefix=prefix))


def loadavg():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
