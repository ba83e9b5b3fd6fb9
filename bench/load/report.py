"""Markdown tables of a load result and its checks (pasted as is into docs/RELIABILITY.md)."""

from devtools.load.client import SUCCESS

KINDS = (("post", "POST form"), ("form", "GET form"), ("receipt", "GET receipt"), ("all", "all"))


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def latency_table(result):
    rows = []
    for kind, label in KINDS:
        events = result.requests if kind == "all" else result.of(kind)
        if not events:
            continue
        rows.append(
            (
                label,
                len(events),
                f"{len(events) / result.elapsed:.1f}" if result.elapsed else "-",
                f"{result.latency_ms(kind, 50):.1f}",
                f"{result.latency_ms(kind, 95):.1f}",
                f"{result.latency_ms(kind, 99):.1f}",
            )
        )
    return table(("requests", "count", "per s", "p50 ms", "p95 ms", "p99 ms"), rows)


def outcome_table(result):
    counts = result.outcomes()
    total = sum(counts.values()) or 1
    order = sorted(counts, key=lambda outcome: (outcome != SUCCESS, -counts[outcome]))
    rows = [
        (outcome, counts[outcome], f"{100 * counts[outcome] / total:.1f}%") for outcome in order
    ]
    text = table(("POST outcome", "count", "share"), rows)
    if result.resent_gets:
        text += f"\n\nGETs resent once after a stale kept-alive connection: {result.resent_gets}"
    return text


def checks_table(checks):
    return table(
        ("check", "result", "detail"),
        [(c.name, "PASS" if c.ok else "**FAIL**", c.detail.replace("|", "/")) for c in checks],
    )


def summary_row(label, result, checks, load):
    return (
        label,
        result.clients,
        f"{result.elapsed:.1f}",
        len(result.requests),
        f"{result.requests_per_second:.1f}",
        f"{result.posts_per_second:.1f}",
        f"{result.latency_ms('post', 50):.1f}",
        f"{result.latency_ms('post', 95):.1f}",
        f"{result.latency_ms('post', 99):.1f}",
        result.outcomes().get(SUCCESS, 0),
        sum(1 for status in result.statuses().elements() if status >= 500),
        "PASS" if all(c.ok for c in checks) else "**FAIL**",
        load,
    )


SUMMARY_HEADER = (
    "run",
    "clients",
    "s",
    "requests",
    "req/s",
    "POST/s",
    "POST p50 ms",
    "POST p95 ms",
    "POST p99 ms",
    "successes",
    "5xx",
    "checks",
    "load avg (1/5/15 min) before",
)
