"""A distribution day over HTTP: cards scanned, baskets served, receipts, then reconciled.

    .venv/bin/python -m bench.visit_day                            # 16 points, 30 s
    .venv/bin/python -m bench.visit_day --smoke                    # 2 points, 5 s, small world
    flock /tmp/aidtracker-bench.lock .venv/bin/python -m bench.visit_day \\
        --points 16 --seconds 30 --database-url mysql://root:@127.0.0.1:3306/aidtracker_visitday

Like bench.load.http (and with its helpers, devtools/load/): creates (if missing) and
migrates the MariaDB database `aidtracker_visitday` on 127.0.0.1 (loopback only),
starts gunicorn with the production settings and gunicorn.conf.py (--workers and
--threads override it), and seeds a world of its own: a few centers, each stocking 3
or 4 active packages whose entitlements differ (flat; 1 per 3 persons with a cap;
a scarce one by persons, from 2 to 4; 1 per 4 persons), one worker login per
distribution point, and households that all have a card: most are new, some are owed
units after a short visit the day before, some already received a package inside its
validity period. The scarce package starts with little stock and gets small deliveries
during the run, so it runs out again and again: lines handed out in part (owed) and
lines refused.

Each point is a closed-loop browser: GET /distribution/scan/?code=<card> (a 302),
follow it to the visit page, read the form's inputs from the HTML, tick up to 3
selectable lines (owed ones first) leaving the due quantities, POST, follow the
redirect to the receipt. Printed: visits per minute, p50/p95/p99 per request kind,
requests per visit after the scan (target: at most 3), the outcome of each line; then
the checks: audit rows of the run's visits = lines the clients submitted, each receipt
is its visit with its lines, owed items consistent, `check_stock`, no 5xx, nobody
served twice inside validity except through owed items.

The target (docs/BENCHMARKS.md): p95 under 100 ms per request at 16 points. Timing is
reported, never failed on; the exit status is 1 only when a check fails (gunicorn's log
is then kept).

The modules: `world` seeds the run's world (and runs the deliveries and the draw of
households), `pages` reads the visit page and the receipt as a browser would, `points`
drives the closed-loop points, `checks` reconciles them with the database, `tables`
prints the report, `__main__` parses the options and runs the day.
"""
