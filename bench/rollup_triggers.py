"""Swap the rollup triggers of a benchmark database, to measure what they cost.

    DATABASE_URL=mysql://root:@127.0.0.1:3306/aidtracker_rollupbench \\
        .venv/bin/python -m bench.rollup_triggers {current,0003,none}

- current: the triggers of reports migration 0005 (no row shared by two households);
- 0003:    the triggers of migration 0003 (shared "all centers" household counters);
- none:    no rollup trigger on Distribution_Log (the Households triggers stay).

Then run `python -m bench.distribution` on the same database. The rollups are wrong
after `0003` or `none`: go back with `current`, which also runs `rebuild_rollup`.
Never point it at a database anyone uses: it drops and creates triggers.
"""

import os
import sys

LOG_TRIGGERS = ("trg_distribution_log_rollup_success", "trg_distribution_log_rollup_void")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in ("current", "0003", "none"):
        print(__doc__, file=sys.stderr)
        return 2
    variant = argv[0]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
    import django

    django.setup()
    from django.db import connection

    from core.db import sqlfiles
    from reports import rollup

    if connection.vendor != "mysql":
        print("MySQL/MariaDB only (DATABASE_URL=mysql://...).", file=sys.stderr)
        return 2
    versions = {"current": "0005", "0003": "0003"}
    with connection.cursor() as cursor:
        for name in LOG_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if variant in versions:
            for name in LOG_TRIGGERS:
                (statement,) = sqlfiles.read_statements(
                    "reports", "mysql", f"{name}.{versions[variant]}"
                )
                cursor.execute(statement)
    if variant == "current":
        rollup.rebuild()
        print("Rollup triggers of 0005 installed; rollups rebuilt from the log.")
    else:
        print(f"Rollup triggers: {variant}. The rollups no longer follow the log.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
