"""The reconciliation: what the points were shown, held against what the database recorded.

One function per check, each returning a Check; verify() reads the run's rows once
(the Ledger) and runs them all in the order they are printed.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from devtools.load.client import CONN_ERROR
from devtools.load.world import Check, check_stock

from .points import NOTHING_TO_TAKE, SERVED


@dataclass
class Ledger:
    """The run's own rows: audit rows of its visits, its visits, the owed items they made."""

    logs: dict  # log id -> row of a visit of the run
    by_visit: dict  # visit id -> its log rows, by id
    visits: dict  # visit id -> household id
    created: dict  # log id -> owed item it created

    @classmethod
    def read(cls, world):
        from distribution.models import DistributionLog, OwedItem, Visit

        logs = {
            row["pk"]: row
            for row in DistributionLog.objects.filter(
                visit__isnull=False,
                visit_id__gt=world.marks["visit"],
                center_id__in=world.center_ids,
            ).values(
                "pk",
                "visit_id",
                "household_id",
                "package_id",
                "transaction_status",
                "failure_code",
                "quantity_distributed",
                "owed_item_id",
            )
        }
        by_visit = defaultdict(list)
        for row in sorted(logs.values(), key=lambda row: row["pk"]):
            by_visit[row["visit_id"]].append(row)
        visits = dict(
            Visit.objects.filter(pk__gt=world.marks["visit"], center_id__in=world.center_ids)
            .values_list("pk", "household_id")
            .iterator()
        )
        created = {
            row["log_id"]: row
            for row in OwedItem.objects.filter(log__visit_id__gt=world.marks["visit"])
            .filter(log__center_id__in=world.center_ids)
            .values("pk", "log_id", "quantity_owed", "household_id", "package_id")
        }
        return cls(logs, by_visit, visits, created)


def verify(world, records, result, deliveries, gunicorn_errors):
    """Reconcile what the points saw with the database; return a list of Checks."""
    from django.db import connection

    connection.close()
    ledger = Ledger.read(world)
    return [
        signed_in(result),
        no_server_errors(result, gunicorn_errors),
        pages_followed(records),
        audit_rows(world, records, ledger),
        receipts(records, ledger),
        owed_created(world, records, ledger),
        owed_not_exceeded(world),
        served_once(world),
        stock_balances(),
        Check(
            "deliveries made without error",
            not deliveries.errors,
            f"{deliveries.made} deliveries"
            + (f"; {deliveries.errors[:2]}" if deliveries.errors else ""),
        ),
    ]


def signed_in(result):
    failures = result.login_failures
    return Check("every point signed in", not failures, "; ".join(failures[:3]))


def no_server_errors(result, gunicorn_errors):
    statuses = result.statuses(kinds=("scan", "visit", "submit", "receipt"))
    server_errors = {status: n for status, n in statuses.items() if status >= 500}
    conn = Counter(e.outcome for e in result.requests if e.outcome.startswith(CONN_ERROR))
    return Check(
        "no 5xx, no request without an answer",
        not server_errors and not conn and not gunicorn_errors,
        f"5xx: {server_errors or 0}; no answer: {dict(conn) or 0}; "
        f"ERROR lines in the gunicorn log: {len(gunicorn_errors)}"
        + (f" (first: {gunicorn_errors[0][:300]})" if gunicorn_errors else ""),
    )


def pages_followed(records):
    odd = Counter(r.outcome for r in records if r.outcome not in (SERVED, NOTHING_TO_TAKE))
    return Check(
        "every scan led to a visit page, every POST to a receipt",
        not odd,
        ", ".join(f"{n} x {o}" for o, n in odd.most_common(5)),
    )


def audit_rows(world, records, ledger):
    """One audit row per ticked line of every POST; none for a POST nobody saw answered."""
    posted = [r for r in records if r.posted]
    submitted = sum(len(r.chosen) for r in posted)
    in_doubt = sum(1 for r in records if r.chosen and not r.posted)
    dropped = []
    for record in posted:
        logged = {row["package_id"] for row in ledger.by_visit.get(record.visit_id, [])}
        for pk in record.chosen:
            if pk not in logged:
                shown = next(line for line in record.shown if line.package_id == pk)
                dropped.append((record, shown))
    detail = f"{len(ledger.logs)} rows, {submitted} lines submitted in {len(posted)} POSTs"
    if in_doubt:
        detail += f", {in_doubt} POSTs without an answer"
    if dropped:
        detail += "; " + _dropped(world, dropped, ledger)
    return Check(
        "audit rows of the run's visits = lines the clients submitted",
        len(ledger.logs) == submitted and not in_doubt,
        detail,
    )


def _dropped(world, dropped, ledger):
    """Ticked lines with no audit row: what the page showed, what the POST got, an example."""
    names = {package.pk: key for key, package in world.packages.items()}
    why = Counter(
        f"{names[line.package_id]} ({line.status}, {line.on_hand} on hand)"
        if line.status != "owed"
        else f"{names[line.package_id]} (owed {line.due}, {line.on_hand} on hand)"
        for _, line in dropped
    )
    kinds = Counter(r.outcome if r.outcome != SERVED else "receipt" for r, _ in dropped)
    example, _ = dropped[0]
    logged = [names[row["package_id"]] for row in ledger.by_visit.get(example.visit_id, [])]
    return (
        f"{len(dropped)} ticked lines have no audit row, as shown on the page: "
        + ", ".join(f"{n} x {k}" for k, n in why.most_common(4))
        + "; those POSTs got: "
        + ", ".join(f"{n} x {k}" for k, n in kinds.most_common(3))
        + f"; e.g. household {example.household} ticked "
        + "+".join(names[pk] for pk in example.chosen)
        + f", visit {example.visit_id} logged {'+'.join(logged) or 'nothing'}"
    )


def receipts(records, ledger):
    seen = [r for r in records if r.visit_id is not None]
    wrong = []
    for record in seen:
        problem = _receipt_problem(record, ledger)
        if problem:
            wrong.append(f"visit {record.visit_id}: {problem}")
    unseen = set(ledger.visits) - {r.visit_id for r in seen}
    return Check(
        "every receipt seen is its visit with its lines; no visit nobody saw",
        not wrong and not unseen,
        f"{len(seen)} receipts, {len(ledger.visits)} visits in the database"
        + (f"; {len(wrong)} wrong: {wrong[:3]}" if wrong else "")
        + (f"; unseen: {sorted(unseen)[:5]}" if unseen else ""),
    )


def _receipt_problem(record, ledger):
    """What is wrong with a visit a point was redirected to, or None."""
    if record.visit_id not in ledger.visits:
        return "no such visit"
    if ledger.visits[record.visit_id] != record.household:
        return f"visit of household {ledger.visits[record.visit_id]}"
    if record.receipt is None:
        return None
    ids = [line.log_id for line in record.receipt]
    logged_ids = [row["pk"] for row in ledger.by_visit.get(record.visit_id, [])]
    if sorted(ids) != logged_ids:
        return f"receipt lines {ids}, logged {logged_ids}"
    for line in record.receipt:
        row = ledger.logs.get(line.log_id)
        if row is None:
            return None
        said = (
            line.status,
            line.code,
            line.quantity if line.status == "success" else None,
            line.owed_created,
            line.owed_units,
        )
        owed = ledger.created.get(line.log_id)
        logged = (
            row["transaction_status"],
            row["failure_code"],
            row["quantity_distributed"] if row["transaction_status"] == "success" else None,
            owed["quantity_owed"] if owed else None,
            row["owed_item_id"] is not None,
        )
        if said != logged:
            return f"log #{line.log_id}: receipt {said}, database {logged}"
    return None


def owed_created(world, records, ledger):
    """Each owed item of the run is due - handed out on a success line; no short line without."""
    from distribution.models import DistributionLog

    success = DistributionLog.Status.SUCCESS
    shown_due = {
        (r.visit_id, line.package_id): line.due
        for r in records
        if r.visit_id is not None
        for line in r.shown
        if line.due
    }
    bad_owed = []
    for log_id, item in ledger.created.items():
        problem = _owed_problem(world, item, ledger.logs.get(log_id), shown_due)
        if problem:
            bad_owed.append(problem)
    short_without = [
        row["pk"]
        for row in ledger.logs.values()
        if row["transaction_status"] == success
        and row["owed_item_id"] is None
        and row["quantity_distributed"] < world.entitlement(row["household_id"], row["package_id"])
        and row["pk"] not in ledger.created
    ]
    return Check(
        "owed items: quantity_owed = due - handed out, on success lines only",
        not bad_owed and not short_without,
        f"{len(ledger.created)} created in the run"
        + (f"; {bad_owed[:3]}" if bad_owed else "")
        + (f"; short successes with no owed item: {short_without[:5]}" if short_without else ""),
    )


def _owed_problem(world, item, row, shown_due):
    """What is wrong with an owed item created by log row `row`, or None."""
    from distribution.models import DistributionLog

    due = world.entitlement(item["household_id"], item["package_id"])
    if row is None or row["transaction_status"] != DistributionLog.Status.SUCCESS:
        return f"owed #{item['pk']} on a {row and row['failure_code']} line"
    if row["owed_item_id"] is not None:
        return f"owed #{item['pk']} created by a hand-out of owed units"
    if item["quantity_owed"] != due - row["quantity_distributed"]:
        return (
            f"owed #{item['pk']}: {item['quantity_owed']} != {due} - {row['quantity_distributed']}"
        )
    if shown_due.get((row["visit_id"], row["package_id"]), due) != due:
        return f"owed #{item['pk']}: the page showed {due} as due"
    return None


def owed_not_exceeded(world):
    """Over every owed item of the world (yesterday's too), units handed out against it."""
    from django.db.models import Sum

    from distribution.models import DistributionLog, OwedItem

    all_items = {
        row["pk"]: row
        for row in OwedItem.objects.filter(package_id__in=world.package_ids).values(
            "pk", "quantity_owed", "household_id", "package_id"
        )
    }
    fulfilled = (
        DistributionLog.objects.filter(
            owed_item_id__in=list(all_items),
            transaction_status=DistributionLog.Status.SUCCESS,
            void__isnull=True,
        )
        .values("owed_item_id", "household_id", "package_id")
        .annotate(total=Sum("quantity_distributed"))
    )
    over = []
    for row in fulfilled:
        item = all_items[row["owed_item_id"]]
        if row["total"] > item["quantity_owed"]:
            over.append(f"owed #{item['pk']}: {row['total']} > {item['quantity_owed']}")
        if (row["household_id"], row["package_id"]) != (item["household_id"], item["package_id"]):
            over.append(f"owed #{item['pk']} handed out to another household or package")
    return Check(
        "owed units handed out never exceed what was owed",
        not over,
        f"{len(all_items)} owed items of this world" + (f"; {over[:3]}" if over else ""),
    )


def served_once(world):
    """Validity outlasts the run: a second success of a package must be of owed units."""
    from django.db.models import Count

    from distribution.models import DistributionLog

    served = (
        DistributionLog.objects.filter(
            package_id__in=world.package_ids,
            transaction_status=DistributionLog.Status.SUCCESS,
            void__isnull=True,
            owed_item__isnull=True,
        )
        .values("household_id", "package_id")
        .annotate(n=Count("pk"))
    )
    twice = [(row["household_id"], row["package_id"]) for row in served if row["n"] > 1]
    return Check(
        "nobody served a package twice inside validity except through owed items",
        not twice,
        f"{len(twice)} household/package pairs" + (f": {twice[:5]}" if twice else ""),
    )


def stock_balances():
    ok, line = check_stock()
    return Check("manage.py check_stock passes", ok, line)
