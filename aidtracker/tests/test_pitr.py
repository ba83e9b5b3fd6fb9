"""Point-in-time recovery drill, as docs/OPERATIONS.md tells an operator to run it.

A private MariaDB with a ROW-format binary log (own data directory and port, never
the machine's shared server) gets real work before and after a backup, then a
mistake. The backup is restored, the binary log replayed from the coordinates that
`backup` wrote into the dump up to just before the mistake, and the result must hold
the work done after the backup, not the mistake, and still balance.
"""

import gzip
import re
import shutil
import subprocess

import pytest

from devtools.commands import run_manage
from devtools.load.server import LOOPBACK, PrivateMariaDB

DATABASE = "aidtracker_pitr"
COORDINATES = re.compile(r"CHANGE MASTER TO MASTER_LOG_FILE='([^']+)', MASTER_LOG_POS=(\d+)")

BEFORE_BACKUP = """
from centers.models import StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from distribution.services import distribute_package
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

center = DistributionCenterFactory(center_name="Drill")
manager = StaffMemberFactory(role=StaffMember.Role.MANAGER, center=center)
package = AidPackageFactory(package_name="Drill kit")
restock(center=center, package=package, quantity=10, staff=manager)
distribute_package(household=HouseholdFactory(), package=package, center=center, staff=manager)
"""

AFTER_BACKUP = """
from centers.models import StaffMember
from distribution.services import distribute_package
from households.tests.factories import HouseholdFactory
from inventory.models import AidPackage

package = AidPackage.objects.get(package_name="Drill kit")
manager = StaffMember.objects.get(center__center_name="Drill")
# A new process restarts the factory sequences: give the phone number explicitly.
household = HouseholdFactory(family_name="AfterBackup", phone_number="+12025550199")
distribute_package(household=household, package=package, center=manager.center, staff=manager)
"""

MISTAKE = """
from centers.models import StaffMember
from inventory.models import Inventory
from inventory.services import adjust_stock

manager = StaffMember.objects.get(center__center_name="Drill")
inventory = Inventory.objects.get(package__package_name="Drill kit")
adjust_stock(inventory=inventory, delta=-5, reason="lost", staff=manager)
"""

pytestmark = [
    pytest.mark.drill,
    pytest.mark.slow,
    pytest.mark.mysql(reason="The binary log is MariaDB's; the SQLite pass needs no server."),
    pytest.mark.skipif(
        shutil.which("mariadb-install-db") is None or shutil.which("mariadb-binlog") is None,
        reason="needs the MariaDB server package (mariadb-install-db, mariadb-binlog)",
    ),
]


@pytest.fixture
def server(tmp_path):
    server = PrivateMariaDB(tmp_path / "mariadb", binlog=True)
    server.install()
    server.start()
    try:
        sql(server, f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
        yield server
    finally:
        server.stop()


def sql(server, statement, database=None):
    import MySQLdb

    db = MySQLdb.connect(host=LOOPBACK, port=server.port, user="root", database=database or "")
    try:
        cursor = db.cursor()
        cursor.execute(statement)
        return cursor.fetchall()
    finally:
        db.close()


def in_drill_database(server, statement):
    return sql(server, statement, DATABASE)


def manage(server, *args):
    result = run_manage({"DATABASE_URL": server.url(DATABASE)}, *args)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_backup_plus_binary_log_recovers_to_just_before_a_mistake(server, tmp_path):
    manage(server, "migrate", "--no-input")
    manage(server, "shell", "-c", BEFORE_BACKUP)
    manage(server, "backup", "--output", str(tmp_path))
    (backup,) = tmp_path.glob("aidtracker-mysql-*.sql.gz")
    with gzip.open(backup, "rt") as dump:
        head = "".join(dump.readline() for _ in range(60))
    found = COORDINATES.search(head)
    assert found, "backup wrote no binary log coordinates (--master-data=2)"
    start_file, start_position = found.group(1), int(found.group(2))

    manage(server, "shell", "-c", AFTER_BACKUP)
    ((stop_file, stop_position, *_),) = sql(server, "SHOW MASTER STATUS")
    manage(server, "shell", "-c", MISTAKE)
    assert in_drill_database(server, "SELECT quantity_on_hand FROM Inventory") == ((3,),)

    manage(server, "restore", "--force", str(backup))
    assert in_drill_database(server, "SELECT quantity_on_hand FROM Inventory") == ((9,),)

    binlogs = [path for path in server.binlog_files() if start_file <= path.name <= stop_file]
    assert binlogs[0].name == start_file
    replay = subprocess.run(
        [
            "mariadb-binlog",
            f"--start-position={start_position}",
            f"--stop-position={stop_position}",
            *map(str, binlogs),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(
        ["mariadb", f"--host={LOOPBACK}", f"--port={server.port}", "--user=root", DATABASE],
        input=replay.stdout,
        capture_output=True,
        check=True,
        timeout=120,
    )

    assert in_drill_database(server, "SELECT quantity_on_hand FROM Inventory") == ((8,),)
    served_after_backup = in_drill_database(
        server,
        "SELECT COUNT(*) FROM Distribution_Log d JOIN Households h USING (household_id) "
        "WHERE h.family_name = 'AfterBackup' AND d.transaction_status = 'success'",
    )
    assert served_after_backup == ((1,),)
    assert in_drill_database(
        server, "SELECT COUNT(*) FROM Stock_Movements WHERE reason = 'lost'"
    ) == ((0,),)
    assert "balance" in manage(server, "check_stock")
    manage(server, "rebuild_rollup", "--verify")
