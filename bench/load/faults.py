"""Kill the database server, then gunicorn workers, in the middle of the form load.

    .venv/bin/python -m bench.load.faults                    # both scenarios, 16 clients
    .venv/bin/python -m bench.load.faults --scenario db --seconds 40 --kill-at 10 --down 5
    .venv/bin/python -m bench.load.faults --scenario worker --seconds 30 --kill-every 3

The run starts a PRIVATE MariaDB server (mariadb-install-db + /usr/sbin/mariadbd with
its own data directory, socket and port in a temp dir, bound to 127.0.0.1, never the
shared server on 3306), migrates a database on it, and starts gunicorn against it
exactly as bench.load.http does (production settings, gunicorn.conf.py, loopback).

Scenario `db`: the mixed form load of bench.load.http runs for --seconds; at
--kill-at seconds the MariaDB server gets SIGKILL, stays down for --down seconds,
and is started again on the same data directory (InnoDB crash recovery) while the
load goes on. gunicorn is not touched. Checked: every success a client saw is in
the log; success/failed rows nobody saw are no more than the requests left in doubt;
nobody served twice; stock and log agree (`check_stock`); the portal answers again
without a restart (same gunicorn master and workers, successes after the restart);
every request that failed during the outage got a clean 503 (never a 500, never a
dropped connection), and none failed outside it.

Scenario `worker`: the same load while a random gunicorn worker gets SIGKILL every
--kill-every seconds (gunicorn's master starts a new one). The requests in flight in
that worker get no answer. Checked: nothing committed is lost (every success seen is
in the log), nothing is committed unlogged (`check_stock`, this run's stock =
restocked - success rows), unseen success rows are no more than the requests that
got no answer, no 500, and successes continue after the last kill (no lock left
behind by a dead worker).

Exit status 1 when a check fails (the temp dir with both servers' logs is then kept).
"""

import argparse
import os
import random
import shutil
import signal
import sys
import threading
import time
from collections import Counter

from devtools.load.client import SUCCESS, LoadRun
from devtools.load.server import (
    Gunicorn,
    PrivateMariaDB,
    create_database,
    gunicorn_defaults,
    http_status,
    loadavg,
    portal_env,
    setup_django,
    workdir,
)
from devtools.load.world import Check, answered_normally, mixed_world, verify

from . import report

DATABASE_NAME = "aidtracker_faults"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="db,worker", help="db, worker or db,worker")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40.0, help="load time of scenario db")
    parser.add_argument("--kill-at", type=float, default=10.0, help="seconds into the load")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the server stays down")
    parser.add_argument("--worker-seconds", type=float, default=30.0)
    parser.add_argument("--kill-every", type=float, default=3.0)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, one per core)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: gunicorn.conf.py's, 1)"
    )
    parser.add_argument("--db-port", type=int, default=0, help="private MariaDB port (0: free)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    workers, threads = gunicorn_defaults()
    args.workers, args.threads = args.workers or workers, args.threads or threads
    args.scenarios = [s.strip() for s in args.scenario.split(",") if s.strip()]
    if not set(args.scenarios) <= {"db", "worker"} or not args.scenarios:
        parser.error("--scenario takes db, worker or db,worker")
    if args.seconds > 300 or args.worker_seconds > 300:
        parser.error("load times are capped at 300 s so that a run stays under 10 minutes")
    if not 0 < args.kill_at < args.seconds or args.kill_at + args.down >= args.seconds:
        parser.error("--kill-at and --down must leave load time after the restart")
    return args


def failed(event):
    return not answered_normally(event)


class ReadinessMonitor(threading.Thread):
    """Polls /readyz twice a second, recording (seconds since t0, status)."""

    def __init__(self, base_url, t0):
        super().__init__(daemon=True)
        self.url, self.t0 = f"{base_url}/readyz", t0
        self.samples = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            at = time.monotonic() - self.t0
            self.samples.append((at, http_status(self.url, timeout=3)))
            self.stopping.wait(0.5)


def failure_table(events):
    counts = Counter((event.kind, event.status, event.outcome) for event in events)
    rows = [
        (kind, status or "no answer", outcome, count)
        for (kind, status, outcome), count in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return report.table(("request", "status", "outcome", "count"), rows or [("-", "-", "-", 0)])


def scenario_db(args, db, gunicorn):
    world = mixed_world(clients=args.clients, households_count=args.households)
    load = loadavg()
    log(f"db scenario: {world.description}; load average {load}")
    master = gunicorn.process.pid
    workers_before = gunicorn.worker_pids()
    run = LoadRun(gunicorn.base_url, world.workload, seconds=args.seconds).start()
    run.started.wait()
    monitor = ReadinessMonitor(gunicorn.base_url, run.t0)
    monitor.start()
    time.sleep(max(0.0, run.t0 + args.kill_at - time.monotonic()))
    t_kill = time.monotonic() - run.t0
    db.kill()
    log(f"SIGKILL mariadbd at {t_kill:.1f} s")
    time.sleep(args.down)
    restart_began = time.monotonic() - run.t0
    startup = db.start()
    t_up = time.monotonic() - run.t0
    log(f"mariadbd restarted at {restart_began:.1f} s, answering after {startup:.1f} s")
    result = run.join()
    monitor.stopping.set()
    monitor.join()
    workers_after = gunicorn.worker_pids()

    events = result.requests
    after_kill = [e for e in events if e.start >= t_kill]
    recovered = next((e for e in after_kill if not failed(e)), None)
    t_recovered = recovered.start + recovered.latency if recovered else None
    # A request that was in flight at the kill belongs to the outage too.
    outage = [
        e
        for e in events
        if failed(e)
        and e.start + e.latency >= t_kill
        and (t_recovered is None or e.start <= t_recovered)
    ]
    in_outage = {id(e) for e in outage}
    elsewhere = [e for e in events if failed(e) and id(e) not in in_outage]
    statuses = Counter(e.status for e in outage)
    after = [e for e in result.posts if t_recovered is not None and e.start > t_recovered]
    ready = Counter(status for at, status in monitor.samples if t_kill <= at <= t_up)

    checks = verify(world, result, in_doubt_allowed=True)
    checks += [
        Check(
            "the portal answered again without a gunicorn restart",
            recovered is not None
            and gunicorn.process.poll() is None
            and workers_after == workers_before,
            f"master {master} alive; workers {workers_before} -> {workers_after}; "
            f"first good answer {max(0.0, t_recovered - t_up) if recovered else -1:.2f} s "
            "after the server answered",
        ),
        Check(
            "successes after the restart",
            any(e.outcome == SUCCESS for e in after),
            f"{sum(e.outcome == SUCCESS for e in after)} of {len(after)} POSTs",
        ),
        Check(
            "every request failed during the outage got a 503 (no 500/400, no dropped connection)",
            set(statuses) <= {503},
            str(dict(statuses)),
        ),
        Check("no request failed outside the outage", not elsewhere, str(len(elsewhere))),
    ]
    timeline = (
        f"load {result.elapsed:.1f} s with {args.clients} clients; SIGKILL at {t_kill:.1f} s; "
        f"restart at {restart_began:.1f} s (server answering at {t_up:.1f} s, "
        f"{startup:.1f} s of crash recovery); first good answer at "
        + (f"{t_recovered:.1f} s" if recovered else "never")
        + f"; /readyz during the outage: {dict(ready)}"
    )
    return world, result, checks, load, outage, timeline


def scenario_worker(args, gunicorn):
    world = mixed_world(clients=args.clients, households_count=args.households)
    load = loadavg()
    log(f"worker scenario: {world.description}; load average {load}")
    master = gunicorn.process.pid
    run = LoadRun(gunicorn.base_url, world.workload, seconds=args.worker_seconds).start()
    run.started.wait()
    kills = []
    rng = random.Random()
    next_kill = run.t0 + args.kill_every
    while next_kill < run.t0 + args.worker_seconds - args.kill_every:
        time.sleep(max(0.0, next_kill - time.monotonic()))
        pids = gunicorn.worker_pids()
        if pids:
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append((time.monotonic() - run.t0, pid))
            except ProcessLookupError:
                pass
        next_kill += args.kill_every
    result = run.join()
    log(f"killed {len(kills)} workers")
    deadline = time.monotonic() + 30
    while len(gunicorn.worker_pids()) < args.workers and time.monotonic() < deadline:
        time.sleep(0.5)
    workers_after = gunicorn.worker_pids()

    lost = [e for e in result.requests if failed(e)]
    statuses = Counter(e.status for e in lost)
    last_kill = kills[-1][0] if kills else 0.0
    after = [e for e in result.posts if e.start > last_kill + 1]
    checks = verify(world, result, in_doubt_allowed=True)
    checks += [
        Check("workers were killed mid-load", bool(kills), f"{len(kills)} SIGKILLs"),
        Check(
            "a killed worker's requests get no answer, all others a normal one (no 4xx/5xx)",
            set(statuses) <= {0},
            str(dict(statuses)),
        ),
        Check(
            "gunicorn replaced every killed worker",
            gunicorn.process.pid == master and len(workers_after) == args.workers,
            f"master {master}; {len(workers_after)} workers at the end",
        ),
        Check(
            "successes after the last kill (no lock left by a dead worker)",
            any(e.outcome == SUCCESS for e in after),
            f"{sum(e.outcome == SUCCESS for e in after)} of {len(after)} POSTs",
        ),
    ]
    timeline = (
        f"load {result.elapsed:.1f} s with {args.clients} clients; SIGKILL of a worker at "
        + ", ".join(f"{at:.1f}" for at, _ in kills)
        + " s"
    )
    return world, result, checks, load, lost, timeline


def print_scenario(title, result, checks, load, failures, timeline):
    print(f"\n### {title}\n\n{timeline}. Load average before: {load}.\n")
    print(report.latency_table(result), end="\n\n")
    print(report.outcome_table(result), end="\n\n")
    print("Requests that failed:\n")
    print(failure_table(failures), end="\n\n")
    print(report.checks_table(checks), flush=True)


def main(argv=None):
    args = parse_args(argv)
    directory = workdir("aidtracker-faults-")
    db = PrivateMariaDB(directory, port=args.db_port or None)
    log(f"private MariaDB in {directory}, port {db.port}")
    gunicorn = None
    ok = True
    started = time.monotonic()
    try:
        db.install()
        startup = db.start()
        log(f"mariadbd answering after {startup:.1f} s")
        url = db.url(DATABASE_NAME)
        create_database(url)
        env = portal_env(url, directory / "static")
        setup_django(env, log=log)
        gunicorn = Gunicorn(env, workers=args.workers, threads=args.threads, workdir=directory)
        gunicorn.start()
        log(f"gunicorn on {gunicorn.base_url}: {gunicorn.description}")
        if "db" in args.scenarios:
            _, result, checks, load, failures, timeline = scenario_db(args, db, gunicorn)
            print_scenario(
                "Database server killed (SIGKILL) and restarted mid-load",
                result,
                checks,
                load,
                failures,
                timeline,
            )
            ok &= all(check.ok for check in checks)
        if "worker" in args.scenarios:
            from django.db import connection

            connection.close()
            _, result, checks, load, failures, timeline = scenario_worker(args, gunicorn)
            print_scenario(
                "gunicorn workers killed (SIGKILL) mid-request",
                result,
                checks,
                load,
                failures,
                timeline,
            )
            ok &= all(check.ok for check in checks)
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        db.stop()
    print(f"\nWhole run {time.monotonic() - started:.0f} s on {os.cpu_count()} cores.")
    if gunicorn is not None:
        errors = [line for line in gunicorn.error_lines() if "WORKER TIMEOUT" in line]
        if errors:
            print(f"gunicorn worker timeouts: {len(errors)}; first: {errors[0][:300]}")
    if not ok or args.keep:
        print(f"{'A check FAILED; ' if not ok else ''}logs kept in {directory}")
    else:
        shutil.rmtree(directory, ignore_errors=True)
        print("All checks passed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
