"""Drive the real distribution form through gunicorn and reconcile what clients saw.

    .venv/bin/python -m bench.load.http                      # 16 and 64 clients, 30 s each,
                                                             # then the last-5-units run
    .venv/bin/python -m bench.load.http --clients 16 --seconds 30 --mode load
    .venv/bin/python -m bench.load.http --last-units 5 --clients 64   # only the last-units run

It creates (if missing) and migrates the MariaDB database `aidtracker_load` on the
shared server (127.0.0.1:3306, root, no password; --database-url to change; loopback
only), collects static files into a temp dir, and starts gunicorn itself with the
production settings over plain http, bound to 127.0.0.1 on a free port, with the
image's gunicorn.conf.py (one sync worker per core; --workers and --threads
override it). Each round seeds its own centers, packages, stock, households
and one worker login per client (see devtools/load/world.py), folds the report
rollups' pending rows as the cron job does, signs every client in through
the login form, then drives the form for a fixed time: GET /distribution/new/ (CSRF
cookie, one-time token), POST it, and on success follow the redirect to the receipt.

Reported per round: requests/s, POST/s, p50/p95/p99 latency of each kind of request,
and the count of each POST outcome (success, each refusal code, 5xx, connection
errors). Then checked: every receipt a client saw is a success row of the log, no
success row that no client saw, one failed row per refusal, nobody served twice,
the round's stock balances, `check_stock` passes, no 5xx. The last-units round
stocks N units of one package for many clients: exactly N successes over HTTP.

The target (docs/ARCHITECTURE.md, "Targets"): POST p95 under 100 ms at 16 clients.
Timing is reported, never failed on; the exit status is 1 only when a check fails.
gunicorn is always stopped at the end; its log is kept if a check fails.
"""

import argparse
import json
import os
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
    workdir,
)

from . import report

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/aidtracker_load"
TARGET_CLIENTS, TARGET_P95_MS = 16, 100.0


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients", default="16,64", help="comma-separated client counts, one round each"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="timed phase of each round")
    parser.add_argument("--mode", choices=("all", "load", "last-units"), default=None)
    parser.add_argument(
        "--last-units",
        type=int,
        default=None,
        help="units in the last-units round (default 5); alone, runs only that round",
    )
    parser.add_argument("--last-units-seconds", type=float, default=10.0)
    parser.add_argument("--households", type=int, default=2000, help="household pool size")
    parser.add_argument("--max-posts", type=int, default=100_000, help="POST budget per round")
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, one per core)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: gunicorn.conf.py's, 1)"
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    workers, threads = gunicorn_defaults()
    args.workers, args.threads = args.workers or workers, args.threads or threads
    args.client_counts = [int(n) for n in args.clients.split(",") if n.strip()]
    if args.mode is None:
        args.mode = "last-units" if args.last_units is not None else "all"
    args.last_units = 5 if args.last_units is None else args.last_units
    if not args.client_counts or min(args.client_counts) < 1 or args.seconds <= 0:
        parser.error("--clients needs positive counts and --seconds a positive duration")
    if args.seconds > 300:
        parser.error("--seconds is capped at 300 so that a run stays under 10 minutes")
    return args


def run_round(gunicorn, world, *, seconds, max_posts, label):
    from devtools.load.client import LoadRun
    from devtools.load.world import verify
    from reports.rollup import fold

    # What the cron job of docs/OPERATIONS.md does every few minutes: without it the
    # report triggers' pending rows of every earlier run would pile up.
    started = time.monotonic()
    folded = fold()
    log(f"folded {folded:,} pending rollup rows in {time.monotonic() - started:.1f} s")
    load = loadavg()
    log(f"{label}: {world.description}; load average {load}")
    run = LoadRun(gunicorn.base_url, world.workload, seconds=seconds, max_posts=max_posts)
    run.start().started.wait(600)  # every client signed in: the timed phase begins
    server_cpu, client_cpu = gunicorn.cpu_seconds(), time.process_time()
    result = run.join()
    requests = len(result.requests) or 1
    cpu = {
        "gunicorn": 1000 * (gunicorn.cpu_seconds() - server_cpu) / requests,
        "clients": 1000 * (time.process_time() - client_cpu) / requests,
    }
    load_after = loadavg()
    checks = verify(world, result)
    print(
        f"\n### {label}\n\n{world.description}. Load average before: {load}, after: {load_after}."
    )
    print(
        f"CPU per request: gunicorn {cpu['gunicorn']:.1f} ms, "
        f"load clients {cpu['clients']:.1f} ms.\n"
    )
    print(report.latency_table(result), end="\n\n")
    print(report.outcome_table(result), end="\n\n")
    print(report.checks_table(checks), flush=True)
    return result, checks, load, load_after, cpu


def main(argv=None):
    args = parse_args(argv)
    require_loopback(args.database_url)
    from devtools.load.world import last_units_world, mixed_world

    directory = workdir("aidtracker-load-")
    env = portal_env(args.database_url, directory / "static")
    log(f"database {args.database_url}; work dir {directory}")
    create_database(args.database_url, drop=args.fresh)
    from devtools.load.server import setup_django

    setup_django(env, log=log)
    gunicorn = Gunicorn(env, workers=args.workers, threads=args.threads, workdir=directory)
    rows, figures, failed = [], [], False
    started = time.monotonic()
    try:
        gunicorn.start()
        log(f"gunicorn on {gunicorn.base_url}: {gunicorn.description}")
        rounds = []
        if args.mode in ("all", "load"):
            rounds += [("load", clients) for clients in args.client_counts]
        if args.mode in ("all", "last-units"):
            rounds.append(("last-units", max(args.client_counts)))
        for kind, clients in rounds:
            if kind == "load":
                world = mixed_world(clients=clients, households_count=args.households)
                label, seconds = f"load, {clients} clients, {args.seconds:g} s", args.seconds
            else:
                world = last_units_world(
                    clients=clients, units=args.last_units, households_count=args.households
                )
                label = f"last {args.last_units} units, {clients} clients"
                seconds = args.last_units_seconds
            result, checks, load, load_after, cpu = run_round(
                gunicorn, world, seconds=seconds, max_posts=args.max_posts, label=label
            )
            failed |= not all(check.ok for check in checks)
            rows.append(report.summary_row(label, result, checks, load))
            figures.append(
                {
                    "run": label,
                    "clients": clients,
                    "elapsed_s": round(result.elapsed, 2),
                    "requests": len(result.requests),
                    "requests_per_s": round(result.requests_per_second, 1),
                    "posts_per_s": round(result.posts_per_second, 1),
                    "latency_ms": {
                        kind: {q: round(result.latency_ms(kind, q), 1) for q in (50, 95, 99)}
                        for kind in ("post", "form", "receipt", "all")
                    },
                    "outcomes": dict(result.outcomes()),
                    "checks": {check.name: check.ok for check in checks},
                    "loadavg_before": load,
                    "loadavg_after": load_after,
                    "cpu_ms_per_request": {k: round(v, 1) for k, v in cpu.items()},
                    "resent_gets": result.resent_gets,
                }
            )
    finally:
        gunicorn.stop()
    errors = gunicorn.error_lines()
    print("\n### Summary\n")
    print(
        f"gunicorn: {gunicorn.description}, production "
        f"settings, MariaDB {args.database_url.rsplit('/', 1)[-1]}; "
        f"{os.cpu_count()} cores; whole run {time.monotonic() - started:.0f} s.\n"
    )
    print(report.table(report.SUMMARY_HEADER, rows))
    for row, figure in zip(rows, figures, strict=True):
        if figure["clients"] == TARGET_CLIENTS and figure["run"].startswith("load"):
            p95 = figure["latency_ms"]["post"][95]
            verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
            print(
                f"\nTarget POST p95 < {TARGET_P95_MS:g} ms at {TARGET_CLIENTS} clients: "
                f"{p95:.1f} ms, {verdict} ({row[0]})."
            )
    if errors:
        failed = True
        print(f"\n{len(errors)} ERROR lines in the gunicorn log, first: {errors[0][:500]}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    if failed:
        print(f"\nA check FAILED; gunicorn log kept in {directory}")
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    print("\nAll checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
