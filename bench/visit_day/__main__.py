"""`python -m bench.visit_day`: the options, then set up, seed, run, check and report.

The timed phase runs between gunicorn's start and stop; the checks and the report
come after it so that they cost the points nothing.
"""

import argparse
import random
import shutil
import sys
import time

from devtools.load.server import (
    Gunicorn,
    create_database,
    gunicorn_defaults,
    loadavg,
    portal_env,
    require_loopback,
    setup_django,
    workdir,
)
from devtools.load.world import refusal_messages

from . import __doc__ as ABOUT
from .checks import verify
from .points import VisitDay
from .tables import Measured, print_report
from .world import Deliveries, seed_world

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/aidtracker_visitday"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.visit_day", description=ABOUT.split("\n\n")[0]
    )
    parser.add_argument("--points", type=int, default=16, help="distribution points (clients)")
    parser.add_argument("--seconds", type=float, default=30.0, help="timed phase")
    parser.add_argument("--centers", type=int, default=4, help="centers the points spread over")
    parser.add_argument("--households", type=int, default=2000, help="new households")
    parser.add_argument("--owed", type=int, default=200, help="households owed from yesterday")
    parser.add_argument("--served", type=int, default=200, help="households served yesterday")
    parser.add_argument(
        "--scarce-units", type=int, default=40, help="scarce package's stock per center at start"
    )
    parser.add_argument(
        "--delivery-units", type=int, default=5, help="scarce units delivered per center"
    )
    parser.add_argument("--delivery-every", type=float, default=0.5, help="seconds between them")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: 1)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--seed", type=int, help="random seed (the draw of households)")
    parser.add_argument(
        "--smoke", action="store_true", help="a quick run: 2 points, 5 s, a small world"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.points, args.seconds, args.centers = 2, 5.0, 2
        args.households, args.owed, args.served = 300, 30, 30
    workers, threads = gunicorn_defaults()
    args.workers, args.threads = args.workers or workers, args.threads or threads
    if args.points < 1 or args.centers < 1 or args.seconds <= 0:
        parser.error("--points, --centers and --seconds must be positive")
    if args.seconds > 300:
        parser.error("--seconds is capped at 300 so that a run stays under 10 minutes")
    args.centers = min(args.centers, args.points)
    args.seed = args.seed if args.seed is not None else random.randrange(2**32)
    return args


def main(argv=None):
    args = parse_args(argv)
    require_loopback(args.database_url)
    directory = workdir("aidtracker-visitday-")
    env = portal_env(args.database_url, directory / "static")
    log(f"database {args.database_url}; work dir {directory}; seed {args.seed}")
    create_database(args.database_url, drop=args.fresh)
    setup_django(env, log=log)
    import logging

    logging.getLogger().setLevel(logging.WARNING)  # the services' INFO lines go to stdout
    from reports.rollup import fold

    started = time.monotonic()
    world = seed_world(args)
    log(world.description)
    folded = fold()
    log(f"folded {folded:,} pending rollup rows")
    gunicorn = Gunicorn(env, workers=args.workers, threads=args.threads, workdir=directory)
    measured, deliveries = run_day(args, world, gunicorn)
    checks = verify(world, measured.records, measured.result, deliveries, gunicorn.error_lines())
    print_report(args, world, measured, checks)
    print(f"\nWhole run {time.monotonic() - started:.0f} s.")
    if not all(check.ok for check in checks):
        print(f"\nA check FAILED; gunicorn log kept in {directory}")
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    print("\nAll checks passed.")
    return 0


def run_day(args, world, gunicorn):
    """Start gunicorn, sign the points in, run them and the deliveries; stop gunicorn."""
    try:
        gunicorn.start()
        log(f"gunicorn on {gunicorn.base_url}: {gunicorn.description}")
        load = loadavg()
        run = VisitDay(
            gunicorn.base_url,
            world,
            seconds=args.seconds,
            seed=args.seed,
            messages=refusal_messages(),
        )
        deliveries = Deliveries(world, units=args.delivery_units, every=args.delivery_every)
        run.start().started.wait(600)
        deliveries.start()
        server_cpu = gunicorn.cpu_seconds()
        result = run.join()
        cpu_ms = 1000 * (gunicorn.cpu_seconds() - server_cpu) / (len(result.requests) or 1)
        deliveries.stop.set()
        deliveries.join(30)
        load_after = loadavg()
    finally:
        gunicorn.stop()
    records = [record for plan in world.plans for record in run.records[plan.username]]
    measured = Measured(
        records=records,
        result=result,
        load_before=load,
        load_after=load_after,
        cpu_ms=cpu_ms,
        gunicorn=gunicorn.description,
        log_path=gunicorn.log_path,
    )
    return measured, deliveries


if __name__ == "__main__":
    sys.exit(main())
