"""The results of `python -m bench.distribution`: one Cell per measurement, and the printed table.

Kept apart from the driver (bench/distribution.py) so the measuring and the
reporting can be read, and changed, separately: nothing here touches the
database or the worker processes.
"""

import os
import statistics
from dataclasses import dataclass, field

TARGET_SCENARIO, TARGET_WORKERS, TARGET_RATIO = "hot", 16, 0.5


@dataclass
class Cell:
    scenario: str
    workers: int
    path: str
    successes: int = 0
    errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0
    latencies: list = field(default_factory=list)
    error_samples: list = field(default_factory=list)
    exhausted: bool = False
    log_ok: bool = True
    stock_ok: bool = True
    skipped: str = ""

    @property
    def ops_per_second(self):
        return self.successes / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms_per_op(self):
        """Worker (client) CPU per attempt: Python and driver, not the database server."""
        attempts = self.successes + self.errors
        return 1000 * self.client_cpu / attempts if attempts else 0.0

    def latency_ms(self, quantile):
        if len(self.latencies) < 2:
            return 1000 * self.latencies[0] if self.latencies else 0.0
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return 1000 * cuts[quantile - 1]


def format_load():
    """Return the 1/5/15-minute load averages: other work on the machine skews results."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def format_progress(cell):
    if cell.skipped:
        return f"{cell.scenario:<6} {cell.workers:>3} workers {cell.path:<9} skipped"
    line = (
        f"{cell.scenario:<6} {cell.workers:>3} workers {cell.path:<9} "
        f"{cell.ops_per_second:8.0f} ops/s  errors {cell.errors}"
    )
    return line + (f"  e.g. {cell.error_samples}" if cell.error_samples else "")


def format_table(cells):
    header = (
        f"{'scenario':<8} {'workers':>7} {'path':<9} {'ops/s':>8} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'cpu ms':>6} {'errors':>6} {'x bare':>6}  checks"
    )
    lines = [header, "-" * len(header)]
    bare = {(c.scenario, c.workers): c for c in cells if c.path == "bare" and not c.skipped}
    for cell in cells:
        if cell.skipped:
            lines.append(
                f"{cell.scenario:<8} {cell.workers:>7} {cell.path:<9} skipped: {cell.skipped}"
            )
            continue
        floor = bare.get((cell.scenario, cell.workers))
        ratio = (
            f"{cell.ops_per_second / floor.ops_per_second:6.2f}"
            if floor and floor.ops_per_second and cell.path != "bare"
            else ""
        )
        checks = "ok" if cell.log_ok and cell.stock_ok else "FAILED"
        if cell.exhausted:
            checks += " (households ran out)"
        lines.append(
            f"{cell.scenario:<8} {cell.workers:>7} {cell.path:<9} {cell.ops_per_second:8.0f} "
            f"{cell.latency_ms(50):7.1f} {cell.latency_ms(95):7.1f} {cell.cpu_ms_per_op:6.2f} "
            f"{cell.errors:>6} "
            f"{ratio:>6}  {checks}"
        )
    return "\n".join(lines)


def target_verdict(cells):
    found = {
        cell.path: cell
        for cell in cells
        if (cell.scenario, cell.workers) == (TARGET_SCENARIO, TARGET_WORKERS) and not cell.skipped
    }
    if "service" not in found or "bare" not in found:
        return "Target not measured in this run (needs hot, 16 workers, service and bare)."
    ratio = found["service"].ops_per_second / found["bare"].ops_per_second
    verdict = "MET" if ratio >= TARGET_RATIO else "MISSED"
    return (
        f"Target: service >= {TARGET_RATIO} x bare on {TARGET_SCENARIO} at {TARGET_WORKERS} "
        f"workers: {ratio:.2f} x -> {verdict}"
    )
