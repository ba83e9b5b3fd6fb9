"""The printed report: Markdown tables, pasted as is into docs/BENCHMARKS.md.

Timing is reported against the targets, never failed on; only the checks decide the
exit status.
"""

import json
import os
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from devtools.load.client import LoadResult, percentile_ms

from ..load.report import checks_table, table
from .points import SERVED
from .world import MIX

TARGET_POINTS, TARGET_P95_MS, TARGET_REQUESTS = 16, 100.0, 3

KINDS = (
    ("scan", "scan (302)"),
    ("visit", "visit page"),
    ("submit", "submit (POST)"),
    ("receipt", "receipt"),
)
SERVER_KINDS = (
    ("scan", "GET", re.compile(r"^/distribution/scan/$")),
    ("visit page", "GET", re.compile(r"^/distribution/visit/\d+/$")),
    ("submit (POST)", "POST", re.compile(r"^/distribution/visit/\d+/$")),
    ("receipt", "GET", re.compile(r"^/distribution/visits/\d+/$")),
)


@dataclass
class Measured:
    """What the timed phase left to report on, once gunicorn has stopped."""

    records: list  # VisitRecord, point after point
    result: LoadResult
    load_before: str
    load_after: str
    cpu_ms: float  # gunicorn CPU per request
    gunicorn: str  # its description
    log_path: object  # gunicorn's log (the request log's JSON lines)


def print_report(args, world, measured, checks):
    records, result = measured.records, measured.result
    print(summary(args, world, measured))
    print(latency_table(result, records), end="\n\n")
    inside = server_table(measured.log_path)
    if inside:
        print(inside, end="\n\n")
    print(requests_per_visit(records))
    for text in outcome_tables(records):
        print(text, end="\n\n")
    print(checks_table(checks), flush=True)
    if args.points == TARGET_POINTS:
        print(p95_verdict(result))


def summary(args, world, measured):
    """The heading, the world and the machine, and visits per minute."""
    records, result = measured.records, measured.result
    served = [r for r in records if r.outcome == SERVED]
    per_minute = 60 * len(served) / result.elapsed if result.elapsed else 0.0
    return (
        f"\n### Distribution day, {args.points} points, {args.seconds:g} s\n\n"
        f"{world.description}.\ngunicorn: {measured.gunicorn}, production settings, "
        f"MariaDB {args.database_url.rsplit('/', 1)[-1]}; {os.cpu_count()} cores. "
        f"Load average before: {measured.load_before}, after: {measured.load_after}. "
        f"gunicorn CPU per request: {measured.cpu_ms:.1f} ms. Seed {args.seed}.\n\n"
        f"**{per_minute:.0f} visits per minute** ({len(served)} receipts in "
        f"{result.elapsed:.1f} s; {len(records)} cards scanned).\n"
    )


def latency_table(result, records):
    rows = []
    both = [r.scan_ms + r.page_ms for r in records if r.scan_ms is not None and r.page_ms]
    if both:
        rows.append(
            (
                "scan + visit page",
                len(both),
                f"{len(both) / result.elapsed:.1f}",
                *(f"{percentile_ms([ms / 1000 for ms in both], q):.1f}" for q in (50, 95, 99)),
                f"{max(both):.1f}",
            )
        )
    for kind, label in (*KINDS, ("all", "every request")):
        events = result.requests if kind == "all" else result.of(kind)
        if not events:
            continue
        latencies = [event.latency for event in events]
        rows.append(
            (
                label,
                len(events),
                f"{len(events) / result.elapsed:.1f}",
                *(f"{percentile_ms(latencies, q):.1f}" for q in (50, 95, 99)),
                f"{1000 * max(latencies):.1f}",
            )
        )
    return table(("requests", "count", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"), rows)


def server_table(log_path):
    """p50/p95/max of the request log's duration_ms per kind: the time inside Django."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    durations = server_durations(text)
    rows = [
        (
            label,
            len(durations[label]),
            *(f"{percentile_ms(durations[label], q):.1f}" for q in (50, 95, 99)),
            f"{1000 * max(durations[label]):.1f}",
        )
        for label, _, _ in SERVER_KINDS
        if durations[label]
    ]
    return table(
        ("inside Django (request log)", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"), rows
    )


def server_durations(text):
    """Seconds inside Django per kind, from the aidtracker.request lines of the log."""
    durations = defaultdict(list)
    for line in text.splitlines():
        if '"aidtracker.request"' not in line or not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        for label, method, pattern in SERVER_KINDS:
            if entry.get("method") == method and pattern.match(entry.get("path", "")):
                durations[label].append(entry.get("duration_ms", 0.0) / 1000)
    return durations


def requests_per_visit(records):
    """Requests after the scan, per served visit, against the target."""
    after = [r.after_scan for r in records if r.outcome == SERVED]
    mean_after = statistics.fmean(after) if after else 0.0
    spread = Counter(after)
    return (
        f"Requests per visit after the scan: mean {mean_after:.2f}, max {max(after, default=0)} "
        f"({', '.join(f'{n} requests: {spread[n]}' for n in sorted(spread))}); "
        f"target at most {TARGET_REQUESTS}: "
        f"{'met' if after and max(after) <= TARGET_REQUESTS else 'NOT met'}.\n"
    )


def p95_verdict(result):
    """The worst p95 of a request kind against the target (printed at 16 points only)."""
    p95s = {kind: percentile_ms([e.latency for e in result.of(kind)], 95) for kind, _ in KINDS}
    worst = max(p95s, key=p95s.get)
    verdict = "met" if p95s[worst] < TARGET_P95_MS else "NOT met"
    return (
        f"\nTarget p95 < {TARGET_P95_MS:g} ms per request at {TARGET_POINTS} points: "
        f"worst p95 {p95s[worst]:.1f} ms ({worst}), {verdict}."
    )


def line_outcomes(records):
    """Counter of each line's outcome as the receipts showed it, plus ticked lines missing."""
    counts = Counter()
    owed_units = 0
    for record in records:
        if record.outcome != SERVED:
            continue
        for line in record.receipt:
            if line.status == "failed":
                counts[f"failed: {line.code or 'unrecognised message'}"] += 1
            elif line.owed_created:
                counts["success, part of what was due (owed created)"] += 1
                owed_units += line.owed_created
            elif line.owed_units:
                counts["success of owed units"] += 1
            else:
                counts["success, all that was due"] += 1
        missing = len(record.chosen) - len(record.receipt)
        if missing > 0:
            counts["ticked but not on the receipt"] += missing
    return counts, owed_units


def outcome_tables(records):
    """How the scans ended, what each kind of household was shown, how the lines ended."""
    return scan_table(records), drawn_table(records), line_table(records)


def scan_table(records):
    visits = Counter(record.outcome for record in records)
    return table(("scan outcome", "count"), [(k, n) for k, n in visits.most_common()])


def drawn_table(records):
    by_kind = []
    for kind, _ in MIX:
        mine = [r for r in records if r.kind == kind]
        if not mine:
            continue
        shown = Counter(line.status for r in mine for line in r.shown)
        served = [r for r in mine if r.outcome == SERVED]
        sizes = Counter(len(r.chosen) for r in served)
        by_kind.append(
            (
                kind,
                len(mine),
                len(served),
                " ".join(f"{n}:{sizes[n]}" for n in sorted(sizes)) or "-",
                shown["owed"],
                shown["not eligible"],
                shown["out of stock"],
            )
        )
    header = (
        "household drawn",
        "scans",
        "served",
        "lines ticked: visits",
        "owed lines shown",
        "not-eligible lines shown",
        "out-of-stock lines shown",
    )
    return table(header, by_kind)


def line_table(records):
    counts, owed_units = line_outcomes(records)
    total = sum(counts.values()) or 1
    order = sorted(counts, key=lambda k: (not k.startswith("success"), k))
    lines = table(
        ("line outcome (receipts)", "lines", "share"),
        [(k, counts[k], f"{100 * counts[k] / total:.1f}%") for k in order],
    )
    created = counts["success, part of what was due (owed created)"]
    return lines + f"\n\nOwed items created: {created} ({owed_units} units)."
