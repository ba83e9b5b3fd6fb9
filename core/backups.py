"""Consistent, compressed backups of the portal's database and their restore.

MySQL/MariaDB: mysqldump in one snapshot (--single-transaction) with views,
triggers and stored procedures. SQLite: the online backup API, which copies a
consistent image while the portal keeps running.
"""

import datetime
import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

DUMP_TOOLS = ("mariadb-dump", "mysqldump")
CLIENT_TOOLS = ("mariadb", "mysql")
BACKUP_GLOB = "aidtracker-*.gz"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


def default_backup_dir():
    return Path(settings.BACKUP_DIR)


def _find_tool(names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise BackupError(
        f"None of {', '.join(names)} is installed. Install the MariaDB/MySQL client "
        "(Debian: apt-get install mariadb-client) and try again."
    )


def _mysql_args(settings_dict):
    args = [
        f"--host={settings_dict['HOST'] or '127.0.0.1'}",
        f"--port={settings_dict['PORT'] or 3306}",
        f"--user={settings_dict['USER']}",
        "--default-character-set=utf8mb4",
    ]
    return args


def _mysql_env(settings_dict):
    """Pass the password through the environment, never on the command line (ps shows it)."""
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["MYSQL_PWD"] = settings_dict["PASSWORD"]
    return env


def create_backup(output_dir=None):
    """Write a timestamped gzip backup into `output_dir` and return its path."""
    output_dir = Path(output_dir or default_backup_dir())
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    vendor = connection.vendor
    if vendor == "mysql":
        path = output_dir / f"aidtracker-mysql-{stamp}.sql.gz"
        _dump_mysql(path)
    elif vendor == "sqlite":
        path = output_dir / f"aidtracker-sqlite-{stamp}.sqlite3.gz"
        _dump_sqlite(path)
    else:
        raise BackupError(f"Backups support MySQL/MariaDB and SQLite, not {vendor}.")
    return path


def _binary_log_on():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@log_bin")
        return bool(cursor.fetchone()[0])


def _dump_mysql(path):
    """Dump in one snapshot; with the binary log on, record its coordinates too.

    `--master-data=2` writes the binlog file and position of the snapshot as a comment,
    the exact start for point-in-time recovery. It needs the RELOAD privilege; without
    it the dump is taken anyway and recovery falls back to the file's timestamp.
    """
    if _binary_log_on():
        try:
            _run_dump(path, extra=["--master-data=2"])
            return
        except BackupError as error:
            if "RELOAD" not in str(error):
                raise
    _run_dump(path, extra=[])


def _run_dump(path, *, extra):
    settings_dict = connection.settings_dict
    command = [
        _find_tool(DUMP_TOOLS),
        *_mysql_args(settings_dict),
        "--single-transaction",
        "--routines",
        "--triggers",
        "--events",
        "--hex-blob",
        "--skip-lock-tables",
        *extra,
        settings_dict["NAME"],
    ]
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wb") as archive:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_mysql_env(settings_dict)
        )
        shutil.copyfileobj(process.stdout, archive)
        stderr = process.stderr.read().decode(errors="replace")
        if process.wait() != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"mysqldump failed: {stderr.strip()}")
    partial.rename(path)


def _dump_sqlite(path):
    if connection.in_atomic_block:
        # The backup API would wait forever on this connection's own open write lock.
        raise BackupError("Run the backup outside a transaction.")
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as scratch:
        image = Path(scratch) / "backup.sqlite3"
        target = sqlite3.connect(image)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        with image.open("rb") as source, gzip.open(path, "wb") as archive:
            shutil.copyfileobj(source, archive)


def database_is_empty():
    """Return True when the database holds no tables or views at all."""
    return not connection.introspection.table_names(include_views=True)


def restore_backup(path, *, force=False):
    """Load a backup made by `create_backup` into the configured database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if not force and not database_is_empty():
        raise BackupError(
            "The database is not empty. Restore into an empty database, or pass --force "
            "to replace everything in it."
        )
    vendor = connection.vendor
    expected = f"aidtracker-{vendor}-"
    if not path.name.startswith(expected):
        raise BackupError(f"{path.name} is not a {vendor} backup (expected {expected}*.gz).")
    if vendor == "mysql":
        _restore_mysql(path, force=force)
    else:
        _restore_sqlite(path)
    connection.close()


def _drop_everything_mysql():
    with connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        for name in connection.introspection.table_names(cursor, include_views=True):
            kind = "VIEW" if name.startswith("vw_") else "TABLE"
            cursor.execute(f"DROP {kind} IF EXISTS `{name}`")
        cursor.execute(
            "SELECT routine_name FROM information_schema.routines "
            "WHERE routine_schema = DATABASE() AND routine_type = 'PROCEDURE'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP PROCEDURE IF EXISTS `{name}`")
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def _restore_mysql(path, *, force):
    settings_dict = connection.settings_dict
    client = _find_tool(CLIENT_TOOLS)
    if force:
        _drop_everything_mysql()
    command = [client, *_mysql_args(settings_dict), settings_dict["NAME"]]
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_mysql_env(settings_dict),
    )
    with gzip.open(path, "rb") as archive:
        try:
            shutil.copyfileobj(archive, process.stdin)
        except BrokenPipeError:
            pass
        finally:
            process.stdin.close()
    stderr = process.stderr.read().decode(errors="replace")
    if process.wait() != 0:
        raise BackupError(f"Restore failed: {stderr.strip()}")


def _restore_sqlite(path):
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as scratch:
        image = Path(scratch) / "restore.sqlite3"
        with gzip.open(path, "rb") as archive, image.open("wb") as target:
            shutil.copyfileobj(archive, target)
        source = sqlite3.connect(image)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


def latest_backup(directory=None):
    """Return (path, modified datetime) of the newest backup, or None."""
    directory = Path(directory or default_backup_dir())
    backups = sorted(directory.glob(BACKUP_GLOB), key=lambda p: p.stat().st_mtime)
    if not backups:
        return None
    newest = backups[-1]
    return newest, datetime.datetime.fromtimestamp(newest.stat().st_mtime, tz=datetime.UTC)
