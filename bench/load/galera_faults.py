"""Kill one node of a Galera cluster in the middle of the form load, then let it rejoin.

    .venv/bin/python -m bench.load.galera_faults                       # 16 clients, 60 s
    .venv/bin/python -m bench.load.galera_faults --clients 4 --seconds 45 --kill-at 5 --down 3

The run starts a cluster of its own (devtools.galera: three MariaDB Galera nodes on
free loopback ports, data directories in a temp dir, HAProxy in front with a MySQL
health check), migrates a database through HAProxy, and starts gunicorn against
HAProxy with DATABASE_GALERA on, exactly as bench.load.http starts it otherwise.
The mixed form load of bench.load.http runs for --seconds; at --kill-at seconds one
node (not the first) gets SIGKILL, stays down --down seconds and is started again
on its data directory: it rejoins the cluster by incremental state transfer while
the load goes on. Neither gunicorn nor HAProxy is touched.

Checked: every success a client saw is in the log; nobody served twice; stock and
log agree on every node (`check_stock` through each node); the portal kept serving
through the other nodes while one was down (successes between the kill and the
restart) and afterwards, without a restart; every request that failed got a clean
503 (never a 500 or a dropped connection); the killed node is back, Synced, in a
cluster of three. Exit status 1 when a check fails (the temp dir is then kept).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections import Counter

from devtools.galera import GaleraCluster
from devtools.load.client import SUCCESS, LoadRun
from devtools.load.server import (
    REPO,
    Gunicorn,
    create_database,
    gunicorn_defaults,
    loadavg,
    portal_env,
    setup_django,
    workdir,
)
from devtools.load.world import Check, answered_normally, mixed_world, verify

from . import report
from .faults import failure_table, log

DATABASE_NAME = "aidtracker_galera_faults"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="load time; it must outlast the node's rejoin (about 5 to 20 s) to check after it",
    )
    parser.add_argument("--kill-at", type=float, default=10.0, help="seconds into the load")
    parser.add_argument("--down", type=float, default=5.0, help="seconds the node stays down")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: the config's)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    workers, threads = gunicorn_defaults()
    args.workers, args.threads = args.workers or workers, args.threads or threads
    if args.seconds > 300:
        parser.error("the load time is capped at 300 s")
    if not 0 < args.kill_at < args.seconds or args.kill_at + args.down >= args.seconds:
        parser.error("--kill-at and --down must leave load time after the restart")
    return args


def check_stock_on(node_url, env):
    """`check_stock` run against one node directly (not through HAProxy)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check_stock"],
        cwd=REPO,
        env={**os.environ, **env, "DATABASE_URL": f"{node_url}/{DATABASE_NAME}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip().splitlines()[-1:]


def scenario(args, cluster, gunicorn, env):
    world = mixed_world(clients=args.clients, households_count=args.households)
    load = loadavg()
    log(f"galera scenario: {world.description}; load average {load}")
    master, workers_before = gunicorn.process.pid, gunicorn.worker_pids()
    victim = cluster.nodes[1]
    run = LoadRun(gunicorn.base_url, world.workload, seconds=args.seconds).start()
    run.started.wait()
    time.sleep(max(0.0, run.t0 + args.kill_at - time.monotonic()))
    t_kill = time.monotonic() - run.t0
    cluster.kill_node(victim)
    log(f"SIGKILL {victim.name} at {t_kill:.1f} s")
    time.sleep(args.down)
    t_restart = time.monotonic() - run.t0
    cluster.start_node(victim)
    t_back = time.monotonic() - run.t0
    log(f"{victim.name} restarted at {t_restart:.1f} s, Synced again at {t_back:.1f} s")
    result = run.join()

    events = result.requests
    failures = [event for event in events if not answered_normally(event)]
    statuses = Counter(event.status for event in failures)
    # While the node was out of the cluster: from the kill until it was Synced again.
    while_down = [e for e in result.posts if t_kill < e.start < t_back]
    after = [e for e in result.posts if e.start > t_back]
    checks = verify(world, result, in_doubt_allowed=True)
    for node in cluster.nodes:
        ok, detail = check_stock_on(node.url, env)
        checks.append(Check(f"stock and log agree on {node.name}", ok, " ".join(detail)))
    sizes = [cluster.cluster_size(node) for node in cluster.nodes]
    checks += [
        Check(
            "the portal kept serving while the node was down",
            any(e.outcome == SUCCESS for e in while_down),
            f"{sum(e.outcome == SUCCESS for e in while_down)} of {len(while_down)} POSTs",
        ),
        Check(
            "successes after the node rejoined, without a gunicorn restart",
            any(e.outcome == SUCCESS for e in after)
            and gunicorn.process.poll() is None
            and gunicorn.worker_pids() == workers_before,
            f"{sum(e.outcome == SUCCESS for e in after)} of {len(after)} POSTs; master {master}",
        ),
        Check(
            "every failed request got a 503 (no 500, no dropped connection)",
            set(statuses) <= {503},
            str(dict(statuses)),
        ),
        Check(
            f"{victim.name} rejoined: Synced, in a cluster of three",
            victim.synced() and sizes == [3, 3, 3],
            f"cluster sizes {sizes}",
        ),
    ]
    timeline = (
        f"load {result.elapsed:.1f} s with {args.clients} clients; SIGKILL {victim.name} at "
        f"{t_kill:.1f} s; restarted at {t_restart:.1f} s, Synced at {t_back:.1f} s "
        f"({t_back - t_restart:.1f} s to rejoin)"
    )
    return result, checks, load, failures, timeline


def main(argv=None):
    args = parse_args(argv)
    directory = workdir("aidtracker-galera-faults-")
    directory.chmod(0o755)  # the nodes run as mysql
    cluster = GaleraCluster(directory / "cluster")
    gunicorn = None
    ok = True
    started = time.monotonic()
    try:
        cluster.start()
        log(f"Galera cluster up: HAProxy {cluster.proxy_url}")
        url = f"{cluster.proxy_url}/{DATABASE_NAME}"
        create_database(url)
        env = portal_env(url, directory / "static", DATABASE_GALERA="true")
        setup_django(env, log=log)
        gunicorn = Gunicorn(env, workers=args.workers, threads=args.threads, workdir=directory)
        gunicorn.start()
        log(f"gunicorn on {gunicorn.base_url}: {gunicorn.description}")
        result, checks, load, failures, timeline = scenario(args, cluster, gunicorn, env)
        print(
            f"\n### A Galera node killed (SIGKILL) mid-load and rejoined\n\n{timeline}. "
            f"Load average before: {load}.\n"
        )
        print(report.latency_table(result), end="\n\n")
        print(report.outcome_table(result), end="\n\n")
        print("Requests that failed:\n")
        print(failure_table(failures), end="\n\n")
        print(report.checks_table(checks), flush=True)
        ok = all(check.ok for check in checks)
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        cluster.stop()
    print(f"\nWhole run {time.monotonic() - started:.0f} s on {os.cpu_count()} cores.")
    if not ok or args.keep:
        print(f"{'A check FAILED; ' if not ok else ''}logs kept in {directory}")
    else:
        shutil.rmtree(directory, ignore_errors=True)
        print("All checks passed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
