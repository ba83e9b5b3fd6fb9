"""CPU cost of one distribution cycle in the portal, in-process, without the network.

    .venv/bin/python -m bench.request_cost                      # 300 cycles, a table
    .venv/bin/python -m bench.request_cost --profile /tmp/cycle.prof   # also cProfile it

The load run (`bench.load.http`) says how fast the portal answers when 16 clients
share two cores; this says where each request's CPU goes. With the production
settings and the MariaDB database of the load run (`aidtracker_load`, created and
migrated if missing; loopback only), one signed-in worker repeats what a browser
does: GET the form, POST it (household, package, quantity, one-time token, CSRF
token), and after a success GET the receipt. Each request goes through the whole
middleware stack (Django's test client, as WSGI does), and its CPU time
(time.process_time: this process only, so MariaDB's own work is not in it) and
its queries are counted. The CPU a request costs here is what limits the load
run's throughput on a machine with few cores. Counting the queries turns on
Django's debug cursor, which adds a few microseconds of CPU per query to every
figure alike: compare runs of this command with each other, not with gunicorn's.
"""

import argparse
import cProfile
import statistics
import sys
import time
from collections import defaultdict

from devtools.load.server import (
    create_database,
    portal_env,
    require_loopback,
    setup_django,
    workdir,
)

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/aidtracker_load"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--profile", help="write a cProfile of the timed cycles to this file")
    parser.add_argument("--show-sql", action="store_true", help="print the last cycle's SQL")
    return parser.parse_args(argv)


class Cycle:
    """One worker's browser: form, submit, receipt; CPU and queries per request kind."""

    def __init__(self, client, workload, plan):
        self.client = client
        self.households = iter(workload.households)
        self.package = plan.packages[0]
        self.cpu = defaultdict(list)
        self.queries = defaultdict(list)
        self.last_sql = {}

    def request(self, kind, method, path, data=None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            started = time.process_time()
            response = getattr(self.client, method)(path, data) if data else self.client.get(path)
            self.cpu[kind].append(time.process_time() - started)
        self.queries[kind].append(len(captured))
        self.last_sql[kind] = [query["sql"] for query in captured]
        return response

    def run_once(self):
        from devtools.load.client import FORM_PATH, form_token

        page = self.request("form", "get", FORM_PATH)
        token = form_token(page.content)
        fields = {
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"].value,
            "household": next(self.households),
            "package": self.package,
            "quantity": 1,
            "token": token,
        }
        answer = self.request("post", "post", FORM_PATH, fields)
        if answer.status_code != 302:
            raise SystemExit(f"POST was not a success: HTTP {answer.status_code}")
        self.request("receipt", "get", answer["Location"])

    def reset(self):
        self.cpu.clear()
        self.queries.clear()


def main(argv=None):
    args = parse_args(argv)
    require_loopback(args.database_url)
    env = portal_env(args.database_url, workdir("aidtracker-cost-") / "static")
    create_database(args.database_url)
    setup_django(env, log=lambda message: print(message, file=sys.stderr))

    from django.test import Client

    from devtools.load.client import LOGIN_PATH
    from devtools.load.world import mixed_world

    households = args.cycles + args.warmup
    world = mixed_world(clients=1, households_count=households, inactive_count=0)
    plan = world.workload.clients[0]
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.get(LOGIN_PATH)
    credentials = {"username": plan.username, "password": plan.password}
    signed_in = client.post(
        LOGIN_PATH, {**credentials, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )
    if signed_in.status_code != 302:
        raise SystemExit(f"the load worker could not sign in: HTTP {signed_in.status_code}")
    cycle = Cycle(client, world.workload, plan)
    for _ in range(args.warmup):
        cycle.run_once()
    cycle.reset()
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    for _ in range(args.cycles):
        cycle.run_once()
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    print(f"\n{args.cycles} cycles (after {args.warmup} warm-up), {world.description}\n")
    print("| request | CPU ms p50 | CPU ms mean | queries |")
    print("| --- | ---: | ---: | ---: |")
    total = 0.0
    for kind in ("form", "post", "receipt"):
        samples = cycle.cpu[kind]
        total += statistics.fmean(samples)
        queries = statistics.median(cycle.queries[kind])
        print(
            f"| {kind} | {1000 * statistics.median(samples):.2f} "
            f"| {1000 * statistics.fmean(samples):.2f} | {queries:g} |"
        )
    print(f"| whole cycle | | {1000 * total:.2f} | |")
    if args.show_sql:
        for kind, statements in cycle.last_sql.items():
            print(f"\n{kind}:")
            for sql in statements:
                print(f"  {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
